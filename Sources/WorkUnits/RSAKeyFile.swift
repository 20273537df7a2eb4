import Foundation
import JWTKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a key file could not be used: the text after `could not load … key file: `.
struct KeyFileFailure: Error {
    var reason: String
}

/// Reads RSA keys from PEM files for work signing, with Go-like failure texts.
///
/// Keys are read from disk on every use (as receptor does), so a replaced key file takes effect without a
/// restart, and a bad file fails only when a key is needed. JWTKit requires keys of at least 2048 bits.
enum RSAKeyFile {
    /// The first PEM block's label, e.g. `RSA PRIVATE KEY`, or `nil` if the text has no PEM block.
    static func firstPEMLabel(_ text: String) -> String? {
        guard let begin = text.range(of: "-----BEGIN ") else { return nil }
        guard let end = text[begin.upperBound...].range(of: "-----") else { return nil }
        return String(text[begin.upperBound..<end.lowerBound])
    }

    /// Loads a private key: PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`).
    static func privateKey(at path: String) throws(KeyFileFailure) -> Insecure.RSA.PrivateKey {
        let text = try pemText(path, allowedLabels: ["RSA PRIVATE KEY", "PRIVATE KEY"])
        do {
            return try Insecure.RSA.PrivateKey(pem: text)
        } catch {
            throw KeyFileFailure(reason: "\(path) does not hold an RSA private key of at least 2048 bits")
        }
    }

    /// Loads a public key: PKIX (`PUBLIC KEY`), or PKCS#1 (`RSA PUBLIC KEY`).
    static func publicKey(at path: String) throws(KeyFileFailure) -> Insecure.RSA.PublicKey {
        let text = try pemText(path, allowedLabels: ["PUBLIC KEY", "RSA PUBLIC KEY"])
        do {
            return try Insecure.RSA.PublicKey(pem: text)
        } catch {
            throw KeyFileFailure(reason: "\(path) does not hold an RSA public key of at least 2048 bits")
        }
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
