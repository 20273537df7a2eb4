/// Work-unit identifiers.
///
/// A valid ID is 1 to 64 ASCII letters and digits. Anything else (dots, slashes, an empty string, non-ASCII)
/// is never turned into a path: code that receives one answers `unknown work unit <id>`.
public enum UnitID {
    /// The length of a generated ID.
    public static let generatedLength = 8
    /// The longest ID accepted.
    public static let maximumLength = 64

    private static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Whether `s` is a well-formed unit ID: 1 to 64 characters, each in `[A-Za-z0-9]`.
    /// - Parameter s: A string from a client, the disk or a peer.
    /// - Returns: `true` if it is safe to use as a directory name.
    public static func isValid(_ s: String) -> Bool {
        let bytes = s.utf8
        guard (1...maximumLength).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        }
    }

    /// A new random ID of ``generatedLength`` characters from `[0-9A-Za-z]`.
    ///
    /// Uniqueness is not checked here; the store claims an ID by creating its directory.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(generatedLength)
        for _ in 0..<generatedLength {
            bytes.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
