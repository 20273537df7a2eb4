import Foundation
import MeshConfig

/// Typed access to the fields of an exclusive certificate entry.
///
/// The config layer has already checked field names, types and required fields;
/// this repeats only the few conversions the certificate tools need (receptor's
/// `cmdline` rules: strings from scalars, integers with base prefixes, booleans
/// from `yes`/`true`/..., string lists from a list, a JSON array or one string).
struct CertToolFields {
    /// The item being run.
    let item: ConfigItem

    /// The entry name, such as `"cert-init"`.
    var entry: String { item.name }

    /// Wraps an item.
    /// - Parameter item: An exclusive `cert-*` item.
    init(_ item: ConfigItem) {
        self.item = item
    }

    /// Whether `name` was given at all.
    /// - Parameter name: The lower-case field name.
    func has(_ name: String) -> Bool {
        item.fields[name] != nil
    }

    /// An error blamed on `field`.
    /// - Parameters:
    ///   - field: The field name.
    ///   - message: The problem.
    func error(_ field: String?, _ message: String) -> CertToolError {
        CertToolError(entry, field: field, message)
    }

    /// A string field, or `nil` if absent.
    /// - Parameter name: The lower-case field name.
    func string(_ name: String) throws(CertToolError) -> String? {
        guard let value = item.fields[name] else { return nil }
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(format: "%f", d)
        case .bool(let b): return b ? "true" : "false"
        case .null, .list, .map: throw error(name, "type error (expected string)")
        }
    }

    /// A string field that must be present.
    /// - Parameter name: The lower-case field name.
    func requiredString(_ name: String) throws(CertToolError) -> String {
        guard let value = try string(name) else {
            throw error(name, "required parameter(s) missing: \(name)")
        }
        return value
    }

    /// A non-empty string field, or `nil` if absent or empty.
    /// - Parameter name: The lower-case field name.
    func nonEmptyString(_ name: String) throws(CertToolError) -> String? {
        guard let value = try string(name), !value.isEmpty else { return nil }
        return value
    }

    /// An integer field, or `nil` if absent.
    /// - Parameter name: The lower-case field name.
    func int(_ name: String) throws(CertToolError) -> Int? {
        guard let value = item.fields[name] else { return nil }
        switch value {
        case .int(let i):
            guard let result = Int(exactly: i) else { throw error(name, "value \(i) out of range") }
            return result
        case .double(let d):
            guard d.isFinite, let result = Int(exactly: d.rounded(.towardZero)) else {
                throw error(name, "value \(d) does not fit in an int")
            }
            return result
        case .string(let s):
            guard let result = Self.parseInt(s) else { throw error(name, "invalid integer \(s)") }
            return result
        case .bool, .null, .list, .map:
            throw error(name, "type error (expected int)")
        }
    }

    /// A boolean field, or `nil` if absent.
    /// - Parameter name: The lower-case field name.
    func bool(_ name: String) throws(CertToolError) -> Bool? {
        guard let value = item.fields[name] else { return nil }
        switch value {
        case .bool(let b):
            return b
        case .string(let s):
            switch s {
            case "1", "t", "T", "Y", "true", "TRUE", "True", "yes", "Yes", "YES": return true
            case "0", "f", "F", "N", "false", "FALSE", "False", "no", "No", "NO": return false
            default: throw error(name, "could not parse \(s) as boolean")
            }
        case .int, .double, .null, .list, .map:
            throw error(name, "type error (expected bool)")
        }
    }

    /// A string-list field; empty if absent.
    /// - Parameter name: The lower-case field name.
    func stringList(_ name: String) throws(CertToolError) -> [String] {
        guard let value = item.fields[name] else { return [] }
        switch value {
        case .null:
            return []
        case .list(let values):
            return try values.map { element throws(CertToolError) in
                switch element {
                case .string(let s): return s
                case .int(let i): return String(i)
                case .double(let d): return String(format: "%f", d)
                case .bool(let b): return b ? "true" : "false"
                case .null, .list, .map: throw error(name, "invalid list element: must be type string")
                }
            }
        case .string(let s) where s.hasPrefix("["):
            guard let data = s.data(using: .utf8),
                // A parse attempt: nil (not JSON, or not all strings) is reported just below.
                let parsed = try? JSONSerialization.jsonObject(with: data) as? [String]
            else {
                throw error(name, "invalid JSON list \(s)")
            }
            return parsed
        case .string(let s):
            return [s]
        case .int, .double, .bool, .map:
            throw error(name, "type error (expected []string)")
        }
    }

    /// Go's `strconv.ParseInt(s, 0, 64)` for the plain cases: optional sign,
    /// `0x`/`0o`/`0b` prefixes, a leading `0` for octal, otherwise decimal.
    /// - Parameter text: The text.
    /// - Returns: The value, or `nil` if it is not an integer.
    static func parseInt(_ text: String) -> Int? {
        var digits = Substring(text.replacingOccurrences(of: "_", with: ""))
        var negative = false
        if let first = digits.first, first == "+" || first == "-" {
            negative = first == "-"
            digits = digits.dropFirst()
        }
        var radix = 10
        let lower = digits.lowercased()
        if lower.hasPrefix("0x") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if lower.hasPrefix("0o") {
            radix = 8
            digits = digits.dropFirst(2)
        } else if lower.hasPrefix("0b") {
            radix = 2
            digits = digits.dropFirst(2)
        } else if digits.count > 1, digits.first == "0" {
            radix = 8
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, let magnitude = Int(digits, radix: radix) else { return nil }
        return negative ? -magnitude : magnitude
    }
}
