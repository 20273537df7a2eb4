import Foundation
import X509
import _CryptoExtras

/// `cert-makereq`: creates a certificate signing request (PEM) for a new or an
/// existing RSA key.
///
/// The subject is `CN=<commonname>`. DNS names, IP addresses and node IDs go into
/// one subjectAltName extension in the request's extensionRequest attribute; each
/// node ID is a receptor otherName (see ``ReceptorNodeName``).
enum CertMakeReqTool {
    /// Runs the entry.
    /// - Parameter fields: The `cert-makereq` item.
    static func run(_ fields: CertToolFields) throws(CertToolError) {
        let commonName = try fields.requiredString("commonname")
        let outReq = try fields.requiredString("outreq")
        let inKey = try fields.nonEmptyString("inkey")
        let outKey = try fields.nonEmptyString("outkey")
        let names = SubjectAltNameRequest(
            dnsNames: try fields.stringList("dnsname"),
            ipAddresses: try fields.stringList("ipaddress"),
            nodeIDs: try fields.stringList("nodeid")
        )

        let rsaKey: _RSA.Signing.PrivateKey
        switch (inKey, outKey) {
        case (let path?, nil):
            guard !fields.has("bits") else {
                throw fields.error("bits", "bits cannot be given with inkey")
            }
            rsaKey = try fields.readKey(path, field: "inkey")
        case (nil, _?):
            guard let bits = try fields.int("bits") else {
                throw fields.error("bits", "bits is required with outkey")
            }
            rsaKey = try fields.generateKey(bits: bits)
        default:
            throw fields.error("inkey", "exactly one of inkey or outkey must be given")
        }

        var attributes = CertificateSigningRequest.Attributes()
        if !names.isEmpty {
            let san = try names.makeExtension(fields)
            do {
                let request = ExtensionRequest(extensions: try Certificate.Extensions([san]))
                attributes = CertificateSigningRequest.Attributes([try CertificateSigningRequest.Attribute(request)])
            } catch {
                throw fields.error(nil, "could not encode the extension request: \(error)")
            }
        }

        let request: CertificateSigningRequest
        do {
            request = try CertificateSigningRequest(
                version: .v1,
                subject: try DistinguishedName { CommonName(commonName) },
                privateKey: Certificate.PrivateKey(rsaKey),
                attributes: attributes,
                signatureAlgorithm: .sha256WithRSAEncryption
            )
        } catch {
            throw fields.error(nil, "could not create the certificate request: \(error)")
        }
        try CertPEM.write(request, to: outReq, fields, field: "outreq")
        if let outKey {
            try fields.writeKey(rsaKey, to: outKey, field: "outkey")
        }
    }
}
