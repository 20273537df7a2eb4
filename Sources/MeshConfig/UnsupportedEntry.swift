/// An entry receptord validates but does not run (for example `work-kubernetes`).
///
/// Such entries do not make the config invalid, so AWX configs load; the
/// daemon should log ``reason`` as a warning.
public struct UnsupportedEntry: Sendable, Equatable {
    /// The entry name.
    public var name: String
    /// The item position.
    public var index: Int
    /// Why it is not run.
    public var reason: String

    /// Creates a record.
    /// - Parameters:
    ///   - name: The entry name.
    ///   - index: The item position.
    ///   - reason: Why it is not run.
    public init(name: String, index: Int, reason: String) {
        self.name = name
        self.index = index
        self.reason = reason
    }
}
