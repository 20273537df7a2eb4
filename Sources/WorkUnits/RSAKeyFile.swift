import Foundation
import _CryptoExtras

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a key file could not be used: the text after `could not load … key file: `.
public struct KeyFileFailure: Error {
    public var reason: String
}

/// RSA keys in PEM files: read for work signing and by the certificate tools, generated and
/// written by the certificate tools. The one place the daemon reads or writes an RSA key.
///
/// Work signing reads keys from disk on every use (as receptor does), so a replaced key file takes
/// effect without a restart, and a bad file fails only when a key is needed. swift-crypto (and so
/// JWTKit) accepts no key below 2048 bits.
public enum RSAKeyFile {
    /// The smallest key size accepted.
    public static let minimumBits = 2048
    /// The largest key size generated (generation time grows steeply).
    public static let maximumBits = 16384

    /// The first PEM block's label, e.g. `RSA PRIVATE KEY`, or `nil` if the text has no PEM block.
    public static func firstPEMLabel(_ text: String) -> String? {
        guard let begin = text.range(of: "-----BEGIN ") else { return nil }
        guard let end = text[begin.upperBound...].range(of: "-----") else { return nil }
        return String(text[begin.upperBound..<end.lowerBound])
    }

    /// Loads a private key: PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`).
    public static func privateKey(at path: String) throws(KeyFileFailure) -> _RSA.Signing.PrivateKey {
        let text = try pemText(path, allowedLabels: ["RSA PRIVATE KEY", "PRIVATE KEY"])
        do {
            return try _RSA.Signing.PrivateKey(pemRepresentation: text)
        } catch {
            throw KeyFileFailure(reason: "\(path) does not hold an RSA private key of at least \(minimumBits) bits")
        }
    }

    /// Loads a public key: PKIX (`PUBLIC KEY`), or PKCS#1 (`RSA PUBLIC KEY`).
    public static func publicKey(at path: String) throws(KeyFileFailure) -> _RSA.Signing.PublicKey {
        let text = try pemText(path, allowedLabels: ["PUBLIC KEY", "RSA PUBLIC KEY"])
        do {
            return try _RSA.Signing.PublicKey(pemRepresentation: text)
        } catch {
            throw KeyFileFailure(reason: "\(path) does not hold an RSA public key of at least \(minimumBits) bits")
        }
    }

    /// A new key of `bits` bits: a multiple of 8 in `minimumBits...maximumBits`.
    public static func generate(bits: Int) throws(KeyFileFailure) -> _RSA.Signing.PrivateKey {
        guard bits >= minimumBits, bits <= maximumBits else {
            throw KeyFileFailure(reason: "RSA key size \(bits) is not supported (use \(minimumBits) to \(maximumBits) bits)")
        }
        guard bits % 8 == 0 else {
            throw KeyFileFailure(reason: "RSA key size \(bits) must be a multiple of 8")
        }
        do {
            return try _RSA.Signing.PrivateKey(keySize: _RSA.Signing.KeySize(bitCount: bits))
        } catch {
            throw KeyFileFailure(reason: "could not generate a \(bits)-bit RSA key: \(error)")
        }
    }

    /// `key` as a PKCS#1 PEM (`RSA PRIVATE KEY`, what receptor writes), ending in a newline.
    public static func pem(_ key: _RSA.Signing.PrivateKey) -> String {
        let text = key.pemRepresentation
        return text.hasSuffix("\n") ? text : text + "\n"
    }

    /// The file's text, if its first PEM block has one of `allowedLabels`.
    private static func pemText(_ path: String, allowedLabels: Set<String>) throws(KeyFileFailure) -> String {
        let data: Data
        do throws(FileIOError) {
            guard let content = try FileIO.readFileIfExists(path) else {
                throw FileIOError(operation: "open", path: path, code: ENOENT)
            }
            data = content
        } catch {
            throw KeyFileFailure(reason: error.description)
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let label = firstPEMLabel(text) else {
            throw KeyFileFailure(reason: "no PEM data found in \(path)")
        }
        guard allowedLabels.contains(label) else {
            throw KeyFileFailure(reason: "unsupported key type \"\(label)\" in \(path)")
        }
        return text
    }
}
