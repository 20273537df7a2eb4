import WorkUnits
import _CryptoExtras

/// The certificate tools' use of ``RSAKeyFile``, with failures named after the entry's field.
extension CertToolFields {
    /// A new RSA key of `bits` bits (the `bits` field).
    func generateKey(bits: Int) throws(CertToolError) -> _RSA.Signing.PrivateKey {
        do {
            return try RSAKeyFile.generate(bits: bits)
        } catch {
            throw self.error("bits", error.reason)
        }
    }

    /// The RSA private key (PKCS#1 or PKCS#8 PEM) in the file `field` names.
    func readKey(_ path: String, field: String) throws(CertToolError) -> _RSA.Signing.PrivateKey {
        do {
            return try RSAKeyFile.privateKey(at: path)
        } catch {
            throw self.error(field, error.reason)
        }
    }

    /// Writes `key` as a PKCS#1 PEM readable by the owner only.
    func writeKey(_ key: _RSA.Signing.PrivateKey, to path: String, field: String) throws(CertToolError) {
        try CertFile.write(RSAKeyFile.pem(key), to: path, mode: 0o600, self, field: field)
    }
}
