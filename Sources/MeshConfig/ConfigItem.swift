/// One config entry: a list item of a v1 file (`- tcp-peer: {address: ...}`)
/// or one `--entry key=value ...` group on the command line.
///
/// A bare value (`- log-level: debug`, `--tcp-peer host:2222`) is already
/// stored under the entry's bare-value field, so the two spellings compare equal.
public struct ConfigItem: Sendable, Equatable {
    /// The entry name, lower case (`"tcp-listener"`).
    public var name: String
    /// The 1-based position of the item in its file, or among the command-line entries.
    public var index: Int
    /// The fields as given, keyed by lower-cased field name.
    public var fields: [String: ConfigValue]

    /// Creates an item. Field names are lower-cased.
    /// - Parameters:
    ///   - name: The entry name.
    ///   - index: The 1-based item position.
    ///   - fields: The field values; keys are lower-cased.
    public init(name: String, index: Int, fields: [String: ConfigValue] = [:]) {
        self.name = name
        self.index = index
        var lowered: [String: ConfigValue] = [:]
        for (key, value) in fields {
            lowered[key.lowercased()] = value
        }
        self.fields = lowered
    }

    /// A stable text of the whole item, independent of key order and of the
    /// item's position, for comparing configurations on reload.
    ///
    /// For example `tcp-peer{"address":"h:1","cost":2.0}`; an item without
    /// fields is just its name.
    public var canonical: String {
        if fields.isEmpty {
            return name
        }
        return name + ConfigValue.map(fields).canonical
    }
}
