/// The `log-level` entry's level.
public enum LogLevelSetting: String, Sendable, Equatable, CaseIterable {
    /// Errors only (the level of a `log-level` entry without a level).
    case error
    /// Errors and warnings.
    case warning
    /// Informational messages (the level when there is no `log-level` entry).
    case info
    /// Everything.
    case debug

    /// Parses a level name case-insensitively (`"Debug"`, `"INFO"`).
    /// - Parameter name: The level name.
    public init?(name: String) {
        self.init(rawValue: name.lowercased())
    }
}
