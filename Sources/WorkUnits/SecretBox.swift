import Crypto
import Foundation

/// Encrypts secret work parameters (`secret_*`) before they are written to disk.
///
/// The key is 32 random bytes in `<nodeDir>/.secret-key` (mode 0600), created on first use; a sealed value is
/// `enc:v1:` followed by the base64 of AES-GCM's combined form (12-byte nonce, ciphertext, 16-byte tag).
/// The parameter name is bound as authenticated data, so a sealed value cannot be moved to another key.
///
/// The key file is re-read on every call: there is no cached state, and two processes sharing a node
/// directory agree on the key because creation is an atomic `link(2)`.
public struct SecretBox: Sendable {
    /// The prefix of a sealed value.
    public static let sealedPrefix = "enc:v1:"
    /// The key file's name inside the node directory.
    public static let keyFileName = ".secret-key"
    /// The key size in bytes.
    public static let keyByteCount = 32

    private enum Source: Sendable {
        case file(String)
        case key(SymmetricKey)
    }

    private let source: Source

    /// A box whose key lives in `<nodeDirectory>/.secret-key`.
    /// - Parameter nodeDirectory: The node's data directory (`<datadir>/<nodeID>`).
    public init(nodeDirectory: String) {
        source = .file(nodeDirectory + "/" + Self.keyFileName)
    }

    /// A box with a key held in memory only (for tests and tools).
    /// - Parameter key: A 256-bit key.
    public init(key: SymmetricKey) {
        source = .key(key)
    }

    /// The key file's path, or `nil` for an in-memory key.
    public var keyPath: String? {
        if case .file(let path) = source { return path }
        return nil
    }

    /// Whether `value` has the sealed form's prefix.
    public static func isSealed(_ value: String) -> Bool {
        value.hasPrefix(sealedPrefix)
    }

    /// Encrypts `plaintext`, binding it to `context` (the parameter name).
    /// - Returns: `enc:v1:<base64>`.
    /// - Throws: ``WorkUnitError`` with code ``WorkUnitError/Code/secrets`` if the key cannot be read or created.
    public func seal(_ plaintext: String, context: String) throws -> String {
        let key = try loadKey(create: true)
        do {
            let box = try AES.GCM.seal(Data(plaintext.utf8), using: key, authenticating: Data(context.utf8))
            guard let combined = box.combined else {
                throw WorkUnitError(.secrets, "could not encrypt secret parameter \(context)")
            }
            return Self.sealedPrefix + combined.base64EncodedString()
        } catch let error as WorkUnitError {
            throw error
        } catch {
            throw WorkUnitError(.secrets, "could not encrypt secret parameter \(context): \(error)")
        }
    }

    /// Decrypts a value made by ``seal(_:context:)`` with the same `context`.
    /// - Throws: ``WorkUnitError`` with code ``WorkUnitError/Code/secrets`` if the value is not sealed, was made
    ///   with another key or context, or was altered.
    public func open(_ sealed: String, context: String) throws -> String {
        guard Self.isSealed(sealed),
            let combined = Data(base64Encoded: String(sealed.dropFirst(Self.sealedPrefix.count)))
        else {
            throw WorkUnitError(.secrets, "could not decrypt secret parameter \(context): not a sealed value")
        }
        let key = try loadKey(create: false)
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            let plaintext = try AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
            guard let text = String(data: plaintext, encoding: .utf8) else {
                throw WorkUnitError(.secrets, "could not decrypt secret parameter \(context): not UTF-8")
            }
            return text
        } catch let error as WorkUnitError {
            throw error
        } catch {
            throw WorkUnitError(
                .secrets,
                "could not decrypt secret parameter \(context): wrong key or damaged value"
            )
        }
    }

    // MARK: - Key file

    private func loadKey(create: Bool) throws -> SymmetricKey {
        switch source {
        case .key(let key):
            return key
        case .file(let path):
            if let key = try Self.readKey(at: path) {
                return key
            }
            guard create else {
                throw WorkUnitError(.secrets, "could not decrypt secret parameters: key file \(path) does not exist")
            }
            return try Self.createKey(at: path)
        }
    }

    /// The key in `path`, or `nil` if the file does not exist.
    private static func readKey(at path: String) throws -> SymmetricKey? {
        let bytes: Data
        do {
            guard let data = try FileIO.readFileIfExists(path) else { return nil }
            bytes = data
        } catch {
            throw WorkUnitError(.secrets, "could not read secret key file: \(error)")
        }
        guard bytes.count == keyByteCount else {
            throw WorkUnitError(
                .secrets,
                "secret key file \(path) is damaged: expected \(keyByteCount) bytes, found \(bytes.count)"
            )
        }
        return SymmetricKey(data: bytes)
    }

    /// Writes a new key to a temporary file and links it into place, so the key file appears complete or not
    /// at all. If another process won the race, its key is used.
    private static func createKey(at path: String) throws -> SymmetricKey {
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        let temporary = path + ".tmp." + UnitID.generate()
        defer { FileIO.unlinkQuietly(temporary) }
        do {
            try FileIO.writeNewFile(temporary, bytes)
            let linked = try FileIO.linkIfAbsent(temporary, to: path)
            try FileIO.syncDirectory(FileIO.parentDirectory(of: path))
            if linked { return key }
        } catch {
            throw WorkUnitError(.secrets, "could not create secret key file: \(error)")
        }
        guard let existing = try readKey(at: path) else {
            throw WorkUnitError(.secrets, "could not create secret key file \(path)")
        }
        return existing
    }
}
