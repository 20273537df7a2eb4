import Foundation

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

    /// JSON string quoting, independent of Foundation's encoder settings.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Parses JSON text (used for `[...]` list and `{...}` map strings).
    /// - Returns: The value, or `nil` if `text` is not valid JSON.
    static func parseJSON(_ text: String) -> ConfigValue? {
        // A parse attempt: nil means "not JSON", and every caller reports it naming the entry and field.
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)).value
    }
}

/// Decodes any JSON value into a ``ConfigValue``, keeping bools, integers
/// and floats apart.
private struct JSONValue: Decodable {
    var value: ConfigValue

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = .null
        // Type probes in order (a failed one means "not this type"); the last decode reports a real error.
        } else if let bool = try? container.decode(Bool.self) {
            value = .bool(bool)
        } else if let int = try? container.decode(Int64.self) {  // probe, as above
            value = .int(int)
        } else if let double = try? container.decode(Double.self) {  // probe, as above
            value = .double(double)
        } else if let string = try? container.decode(String.self) {  // probe, as above
            value = .string(string)
        } else if let list = try? container.decode([JSONValue].self) {  // probe, as above
            value = .list(list.map(\.value))
        } else {
            value = .map(try container.decode([String: JSONValue].self).mapValues(\.value))
        }
    }
}
