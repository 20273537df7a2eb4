/// The `work-signing` entry: the key used to sign remote work submissions.
public struct WorkSigningEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// Path of the RSA private key (PEM). Only its existence is checked at startup.
    public var privateKey: String
    /// Lifetime of a signed token (default 5 minutes).
    public var tokenExpiration: Duration

    /// The token lifetime when the entry does not give one.
    public static let defaultTokenExpiration: Duration = .seconds(300)

    /// Creates an entry.
    /// - Parameters:
    ///   - index: The item position.
    ///   - privateKey: The private key path.
    ///   - tokenExpiration: The token lifetime.
    public init(index: Int, privateKey: String, tokenExpiration: Duration = WorkSigningEntry.defaultTokenExpiration) {
        self.index = index
        self.privateKey = privateKey
        self.tokenExpiration = tokenExpiration
    }
}
