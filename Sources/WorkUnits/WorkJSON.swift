import Foundation

/// A JSON value, for the parts of a status record whose shape depends on the work type.
///
/// It is deliberately not named `JSONValue`: this module must build without MeshProtocol, whose `JSONValue`
/// the runtime code in this module uses for control replies (see the README for the conversion).
///
/// Integers that fit in `Int64` decode as ``int(_:)``; other numbers as ``double(_:)``.
/// ``serialized()`` writes compact JSON with object keys sorted, as Go's `encoding/json` does for maps.
public enum WorkJSON: Sendable, Equatable, Codable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number without fraction or exponent that fits in 64 bits.
    case int(Int64)
    /// Any other number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([WorkJSON])
    /// An object.
    case object([String: WorkJSON])

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([WorkJSON].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: WorkJSON].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    /// Encodes the value (through any `Encoder`; for exact bytes use ``serialized()``).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses a complete JSON text.
    /// - Parameter data: UTF-8 JSON.
    /// - Throws: A `DecodingError` if `data` is not one JSON value.
    public static func parse(_ data: Data) throws -> WorkJSON {
        try JSONDecoder().decode(WorkJSON.self, from: data)
    }

    /// The member `key` of an object, or `nil` (also for non-objects).
    public subscript(key: String) -> WorkJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, if this is an integer or a double with an exact `Int64` value.
    public var int64Value: Int64? {
        switch self {
        case .int(let value): value
        case .double(let value): Int64(exactly: value)
        default: nil
        }
    }

    /// The members, if this is an object.
    public var objectValue: [String: WorkJSON]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The boolean, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}
