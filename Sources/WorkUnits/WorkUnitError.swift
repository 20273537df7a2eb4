/// An error from the work-unit layer.
///
/// ``message`` is the exact text a control client sees after `ERROR: `; ``code`` says what kind of failure
/// it is, so callers can branch without matching on text. Compare errors by ``code`` (``Code`` is an open
/// set: new codes may be added without breaking callers).
public struct WorkUnitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Backing: String, Sendable, Hashable {
            case unknownUnit
            case corruptStatus
            case fileSystem
            case secrets
            case signing
            case verification
        }

        private let backing: Backing

        private init(_ backing: Backing) {
            self.backing = backing
        }

        /// The unit ID is not valid, or no such unit exists.
        public static let unknownUnit = Code(.unknownUnit)
        /// A unit's status file exists but could not be decoded.
        public static let corruptStatus = Code(.corruptStatus)
        /// A file-system operation failed.
        public static let fileSystem = Code(.fileSystem)
        /// The node's secret key could not be created or read, or a secret could not be decrypted.
        public static let secrets = Code(.secrets)
        /// A work-signing token could not be produced.
        public static let signing = Code(.signing)
        /// A work-signing token was rejected.
        public static let verification = Code(.verification)

        /// The code's name, for logs.
        public var description: String { backing.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// The human-readable text, exactly as a client should see it.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: What kind of failure it is.
    ///   - message: The exact client-facing text.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The client-facing text (``message``).
    public var description: String { message }

    /// `unknown work unit <id>`: the ID is invalid or names no unit.
    @inline(never)
    public static func unknownUnit(_ id: String) -> WorkUnitError {
        WorkUnitError(.unknownUnit, "unknown work unit \(id)")
    }
}
