import Foundation
import MeshProtocol

/// Status records use the control protocol's JSON model (MeshProtocol's ``JSONValue``: Go-style
/// compact output with sorted keys, and a total parser), so a record read from disk or from a
/// remote node's reply is the same value the control service sends; there is one JSON model.
public typealias WorkJSON = JSONValue

extension JSONValue {
    /// Compact JSON, keys sorted (as Go's `encoding/json` writes maps).
    public func serialized() -> String { text }

    /// ``serialized()`` as UTF-8 bytes.
    public func serializedData() -> Data { Data(text.utf8) }

    /// Parses one complete JSON text.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONParser.parse(String(decoding: data, as: UTF8.self))
    }

    /// The member `key` of an object, or `nil` (also for non-objects).
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
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
    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The boolean, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}
