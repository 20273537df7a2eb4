/// The `work-verification` entry: the key that checks signed work submissions.
public struct WorkVerificationEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// Path of the RSA public key (PKIX PEM). Only its existence is checked at startup.
    public var publicKey: String

    /// Creates an entry.
    /// - Parameters:
    ///   - index: The item position.
    ///   - publicKey: The public key path.
    public init(index: Int, publicKey: String) {
        self.index = index
        self.publicKey = publicKey
    }
}
