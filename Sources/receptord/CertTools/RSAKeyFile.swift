import Foundation
import X509
import _CryptoExtras

/// RSA private keys of the certificate tools: generated, written as PKCS#1
/// (`RSA PRIVATE KEY`, what receptor writes) and read as PKCS#1 or PKCS#8.
enum RSAKeyFile {
    /// The smallest key size accepted. swift-crypto cannot read RSA public keys below 2048 bits.
    static let minimumBits = 2048
    /// The largest key size accepted (generation time grows steeply).
    static let maximumBits = 16384

    /// Generates a key of `bits` bits.
    /// - Parameters:
    ///   - bits: The modulus size; a multiple of 8 in `minimumBits...maximumBits`.
    ///   - fields: The entry, for errors.
    static func generate(bits: Int, _ fields: CertToolFields) throws(CertToolError) -> _RSA.Signing.PrivateKey {
        guard bits >= minimumBits, bits <= maximumBits else {
            throw fields.error("bits", "RSA key size \(bits) is not supported (use \(minimumBits) to \(maximumBits) bits)")
        }
        guard bits % 8 == 0 else {
            throw fields.error("bits", "RSA key size \(bits) must be a multiple of 8")
        }
        do {
            return try _RSA.Signing.PrivateKey(keySize: _RSA.Signing.KeySize(bitCount: bits))
        } catch {
            throw fields.error("bits", "could not generate a \(bits)-bit RSA key: \(error)")
        }
    }

    /// Reads an RSA private key from a PEM file (PKCS#1 or PKCS#8).
    /// - Parameters:
    ///   - path: The file.
    ///   - fields: The entry, for errors.
    ///   - field: The field that named the file.
    static func read(_ path: String, _ fields: CertToolFields, field: String) throws(CertToolError) -> _RSA.Signing.PrivateKey {
        let text = try CertFile.read(path, fields, field: field)
        guard text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN PRIVATE KEY-----") else {
            throw fields.error(field, "\(path) does not contain an RSA private key (RSA PRIVATE KEY or PRIVATE KEY PEM)")
        }
        do {
            return try _RSA.Signing.PrivateKey(pemRepresentation: text)
        } catch {
            throw fields.error(field, "could not load RSA private key from \(path): \(error)")
        }
    }

    /// Writes `key` to `path` as a PKCS#1 PEM, readable by the owner only.
    /// - Parameters:
    ///   - key: The key.
    ///   - path: The file.
    ///   - fields: The entry, for errors.
    ///   - field: The field that named the file.
    static func write(_ key: _RSA.Signing.PrivateKey, to path: String, _ fields: CertToolFields, field: String) throws(CertToolError) {
        var text = key.pemRepresentation
        if !text.hasSuffix("\n") {
            text += "\n"
        }
        try CertFile.write(text, to: path, mode: 0o600, fields, field: field)
    }
}
