import Foundation
import X509
import _CryptoExtras

/// `cert-init`: creates a self-signed RSA certificate authority.
///
/// The certificate has CA:TRUE (critical basicConstraints), key usage
/// digitalSignature + keyCertSign, both EKUs (serverAuth, clientAuth) and a
/// subject key identifier; it is signed with SHA-256/RSA. The key is written as
/// PKCS#1 PEM with mode 0600.
enum CertInitTool {
    /// Runs the entry.
    /// - Parameter fields: The `cert-init` item.
    static func run(_ fields: CertToolFields) throws(CertToolError) {
        let commonName = try fields.requiredString("commonname")
        guard let bits = try fields.int("bits") else {
            throw fields.error("bits", "required parameter(s) missing: bits")
        }
        let outCert = try fields.requiredString("outcert")
        let outKey = try fields.requiredString("outkey")
        let validity = try CertValidity.read(fields, defaultYears: 10)

        let rsaKey = try fields.generateKey(bits: bits)
        let key = Certificate.PrivateKey(rsaKey)
        let certificate: Certificate
        do {
            let subject = try DistinguishedName { CommonName(commonName) }
            let extensions = try Certificate.Extensions([
                Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true),
                Certificate.Extension(KeyUsage(digitalSignature: true, keyCertSign: true), critical: true),
                Certificate.Extension(ExtendedKeyUsage([.serverAuth, .clientAuth]), critical: false),
                Certificate.Extension(SubjectKeyIdentifier(hash: key.publicKey), critical: false),
            ])
            certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: key.publicKey,
                notValidBefore: validity.notBefore,
                notValidAfter: validity.notAfter,
                issuer: subject,
                subject: subject,
                signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: extensions,
                issuerPrivateKey: key
            )
        } catch {
            throw fields.error(nil, "could not create the CA certificate: \(error)")
        }
        try CertPEM.write(certificate, to: outCert, fields, field: "outcert")
        try fields.writeKey(rsaKey, to: outKey, field: "outkey")
    }
}
