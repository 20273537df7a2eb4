import Foundation
import SwiftASN1
import X509

/// PEM encoding of certificates and certificate requests.
enum CertPEM {
    /// Writes a certificate (`CERTIFICATE` PEM, mode 0644).
    /// - Parameters:
    ///   - certificate: The certificate.
    ///   - path: The file.
    ///   - fields: The entry, for errors.
    ///   - field: The field that named the file.
    static func write(_ certificate: Certificate, to path: String, _ fields: CertToolFields, field: String) throws(CertToolError) {
        let text: String
        do {
            text = try certificate.serializeAsPEM().pemString
        } catch {
            throw fields.error(field, "could not encode the certificate: \(error)")
        }
        try CertFile.write(text + "\n", to: path, mode: 0o644, fields, field: field)
    }

    /// Writes a certificate request (`CERTIFICATE REQUEST` PEM, mode 0644).
    /// - Parameters:
    ///   - request: The request.
    ///   - path: The file.
    ///   - fields: The entry, for errors.
    ///   - field: The field that named the file.
    static func write(_ request: CertificateSigningRequest, to path: String, _ fields: CertToolFields, field: String) throws(CertToolError) {
        let text: String
        do {
            text = try request.serializeAsPEM().pemString
        } catch {
            throw fields.error(field, "could not encode the certificate request: \(error)")
        }
        try CertFile.write(text + "\n", to: path, mode: 0o644, fields, field: field)
    }

    /// Reads the first `CERTIFICATE` block of a PEM file.
    /// - Parameters:
    ///   - path: The file.
    ///   - fields: The entry, for errors.
    ///   - field: The field that named the file.
    static func readCertificate(_ path: String, _ fields: CertToolFields, field: String) throws(CertToolError) -> Certificate {
        let text = try CertFile.read(path, fields, field: field)
        do {
            let documents = try PEMDocument.parseMultiple(pemString: text)
            guard let document = documents.first(where: { $0.discriminator == "CERTIFICATE" }) else {
                throw fields.error(field, "no CERTIFICATE found in \(path)")
            }
            return try Certificate(pemDocument: document)
        } catch let error as CertToolError {
            throw error
        } catch {
            throw fields.error(field, "could not parse certificate \(path): \(error)")
        }
    }

    /// Reads the first `CERTIFICATE REQUEST` (or `NEW CERTIFICATE REQUEST`) block of a PEM file.
    /// - Parameters:
    ///   - path: The file.
    ///   - fields: The entry, for errors.
    ///   - field: The field that named the file.
    static func readRequest(_ path: String, _ fields: CertToolFields, field: String) throws(CertToolError) -> CertificateSigningRequest {
        let text = try CertFile.read(path, fields, field: field)
        do {
            let documents = try PEMDocument.parseMultiple(pemString: text)
            guard
                let document = documents.first(where: {
                    $0.discriminator == "CERTIFICATE REQUEST" || $0.discriminator == "NEW CERTIFICATE REQUEST"
                })
            else {
                throw fields.error(field, "no CERTIFICATE REQUEST found in \(path)")
            }
            return try CertificateSigningRequest(derEncoded: document.derBytes)
        } catch let error as CertToolError {
            throw error
        } catch {
            throw fields.error(field, "could not parse certificate request \(path): \(error)")
        }
    }
}
