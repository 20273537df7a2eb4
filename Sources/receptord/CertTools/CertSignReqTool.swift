import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// `cert-signreq`: issues a certificate for a certificate signing request, signed
/// by a CA certificate and key.
///
/// The certificate gets the request's subject and public key, the request's
/// subjectAltName extension copied as is (otherNames included), key usage
/// digitalSignature + keyEncipherment, both EKUs (serverAuth, clientAuth), subject
/// and authority key identifiers, and a SHA-256/RSA signature by the CA. Unless
/// `verify` is true the request is shown and `yes` must be typed on stdin.
enum CertSignReqTool {
    /// Runs the entry.
    /// - Parameters:
    ///   - fields: The `cert-signreq` item.
    ///   - confirm: Asks the operator; receives the request summary and returns the answer line (or `nil` at EOF).
    static func run(_ fields: CertToolFields, confirm: (String) -> String? = CertSignReqTool.askOnTerminal) throws(CertToolError) {
        let reqPath = try fields.requiredString("req")
        let caCertPath = try fields.requiredString("cacert")
        let caKeyPath = try fields.requiredString("cakey")
        let outCert = try fields.requiredString("outcert")
        let verify = try fields.bool("verify") ?? false
        let validity = try CertValidity.read(fields, defaultYears: 1)

        let request = try CertPEM.readRequest(reqPath, fields, field: "req")
        guard request.publicKey.isValidSignature(request.signature, for: request) else {
            throw fields.error("req", "the signature of certificate request \(reqPath) is invalid")
        }
        let caCert = try CertPEM.readCertificate(caCertPath, fields, field: "cacert")
        let caKey = Certificate.PrivateKey(try fields.readKey(caKeyPath, field: "cakey"))
        guard caKey.publicKey == caCert.publicKey else {
            throw fields.error("cakey", "the CA key \(caKeyPath) does not match the CA certificate \(caCertPath)")
        }
        let san: Certificate.Extension?
        do {
            san = try request.attributes.extensionRequest?.extensions[oid: .X509ExtensionID.subjectAlternativeName]
        } catch {
            throw fields.error("req", "could not read the extension request of \(reqPath): \(error)")
        }
        // The extension is copied into the certificate as it is: one that does not decode would be signed
        // unseen (and then refused by every peer), so it is an error here.
        var names: SubjectAlternativeNames?
        if let san {
            do {
                names = try SubjectAlternativeNames(san)
            } catch {
                throw fields.error("req", "could not decode the subjectAltName of certificate request \(reqPath): \(error)")
            }
        }

        if !verify {
            let answer = confirm(summary(of: request, names: names))
            let response = (answer ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard response == "yes" || response == "y" else {
                throw fields.error(nil, "user declined")
            }
        }

        let certificate: Certificate
        do {
            let caKeyID = try caCert.extensions.subjectKeyIdentifier?.keyIdentifier
                ?? SubjectKeyIdentifier(hash: caCert.publicKey).keyIdentifier
            var extensions = try Certificate.Extensions([
                Certificate.Extension(KeyUsage(digitalSignature: true, keyEncipherment: true), critical: true),
                Certificate.Extension(ExtendedKeyUsage([.serverAuth, .clientAuth]), critical: false),
                Certificate.Extension(SubjectKeyIdentifier(hash: request.publicKey), critical: false),
                Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: caKeyID), critical: false),
            ])
            if let san {
                try extensions.append(san)
            }
            certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: request.publicKey,
                notValidBefore: validity.notBefore,
                notValidAfter: validity.notAfter,
                issuer: caCert.subject,
                subject: request.subject,
                signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: extensions,
                issuerPrivateKey: caKey
            )
        } catch {
            throw fields.error(nil, "could not sign the certificate: \(error)")
        }
        try CertPEM.write(certificate, to: outCert, fields, field: "outcert")
    }

    /// What the operator is asked to confirm: subject, key, signature algorithm and names.
    /// - Parameters:
    ///   - request: The request.
    ///   - names: Its subjectAltName names, if any.
    static func summary(of request: CertificateSigningRequest, names: SubjectAlternativeNames?) -> String {
        var lines = ["Requested certificate:", "  Subject: \(request.subject)"]
        if let rsa = _RSA.Signing.PublicKey(request.publicKey) {
            lines.append("  Encryption Algorithm: RSA (\(rsa.keySizeInBits) bits)")
        } else {
            lines.append("  Public Key: \(request.publicKey)")
        }
        let algorithm = "\(request.signatureAlgorithm)"
        lines.append("  Signature Algorithm: \(algorithm.replacingOccurrences(of: "SignatureAlgorithm.", with: ""))")
        if let names {
            let described = SubjectAltNameRequest.describe(names)
            if !described.isEmpty {
                lines.append("  Names:")
                lines += described.map { "    " + $0 }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Prints `summary` and `Sign certificate (yes/no)? ` on stdout and reads one line from stdin.
    /// - Parameter summary: The request summary.
    /// - Returns: The line, or `nil` at end of input.
    static func askOnTerminal(_ summary: String) -> String? {
        FileHandle.standardOutput.write(Data((summary + "\nSign certificate (yes/no)? ").utf8))
        return readLine()
    }
}
