import MeshProtocol

/// A value as written in a config file (typed by YAML 1.1 rules, like Go's
/// `yaml.v2`) or on the command line (always ``string(_:)``).
///
/// Conversion to a field's type happens later and follows the receptor
/// rules (`"0600"` becomes octal 384 for an int field, `yes` is a bool, ...).
public enum ConfigValue: Sendable, Equatable {
    /// `~`, `null`, or an empty value.
    case null
    /// `true/false`, `yes/no`, `on/off`, `y/n` in their usual casings.
    case bool(Bool)
    /// An integer; leading-zero numbers such as `0600` are octal.
    case int(Int64)
    /// A floating-point number.
    case double(Double)
    /// A string, including every quoted scalar.
    case string(String)
    /// A YAML sequence.
    case list([ConfigValue])
    /// A YAML mapping, keyed by the key's text.
    case map([String: ConfigValue])

    /// A stable text for this value: map keys are sorted and strings are
    /// JSON-quoted, so equal values always give equal text.
    public var canonical: String {
        switch self {
        case .null:
            return "null"
        case .bool(let value):
            return value ? "true" : "false"
        case .int(let value):
            return String(value)
        case .double(let value):
            return "\(value)"
        case .string(let value):
            return Self.quoted(value)
        case .list(let values):
            return "[" + values.map(\.canonical).joined(separator: ",") + "]"
        case .map(let values):
            let pairs = values.keys.sorted().map { key in
                Self.quoted(key) + ":" + (values[key] ?? .null).canonical
            }
            return "{" + pairs.joined(separator: ",") + "}"
        }
    }

    /// A short human-readable rendering used in error messages.
    var displayText: String {
        switch self {
        case .string(let value):
            return value
        default:
            return canonical
        }
    }

    /// JSON string quoting (MeshProtocol's, without Go's HTML escapes, so error texts show `<>&` as written).
    static func quoted(_ s: String) -> String {
        var out = ""
        JSONValue.writeString(s, into: &out, escapingHTML: false)
        return out
    }

    /// Parses JSON text (used for `[...]` list and `{...}` map strings).
    /// - Returns: The value, or `nil` if `text` is not valid JSON.
    static func parseJSON(_ text: String) -> ConfigValue? {
        // A parse attempt: nil means "not JSON", and every caller reports it naming the entry and field.
        (try? JSONParser.parse(text)).map(ConfigValue.init(json:))
    }

    /// The config value of a parsed JSON value (arrays become lists, objects maps).
    init(json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .array(let values): self = .list(values.map(ConfigValue.init(json:)))
        case .object(let values): self = .map(values.mapValues(ConfigValue.init(json:)))
        }
    }
}
