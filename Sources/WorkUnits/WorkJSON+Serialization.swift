import Foundation

extension WorkJSON {
    /// Compact JSON text: no insignificant whitespace, object keys sorted by their UTF-8 bytes.
    ///
    /// Strings are escaped as Go's `encoding/json` does: `"` and `\`, control characters, and also `<`, `>`,
    /// `&`, U+2028 and U+2029 (as `\u003c` and so on), so output is byte-compatible with receptor's.
    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    /// ``serialized()`` as UTF-8 bytes.
    public func serializedData() -> Data {
        Data(serialized().utf8)
    }

    private func write(to out: inout String) {
        switch self {
        case .null:
            out += "null"
        case .bool(let value):
            out += value ? "true" : "false"
        case .int(let value):
            out += String(value)
        case .double(let value):
            out += Self.format(value)
        case .string(let value):
            Self.writeString(value, to: &out)
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(key, to: &out)
                out += ":"
                members[key]?.write(to: &out)
            }
            out += "}"
        }
    }

    /// Numbers print without a trailing `.0` (Go writes `1`, not `1.0`). JSON has no NaN or infinity;
    /// they become `null` rather than invalid text.
    private static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        var text = "\(value)"
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    private static let hexDigits: [Character] = Array("0123456789abcdef")

    /// Whether a string can be written between quotes as it is (the common case, checked on its UTF-8 bytes).
    private static func needsNoEscaping(_ value: String) -> Bool {
        var previous: (UInt8, UInt8) = (0, 0)
        for byte in value.utf8 {
            switch byte {
            case 0..<0x20, UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                return false
            case 0xA8, 0xA9:
                if previous == (0xE2, 0x80) { return false }  // U+2028, U+2029
                previous = (previous.1, byte)
            default:
                previous = (previous.1, byte)
            }
        }
        return true
    }

    private static func writeString(_ value: String, to out: inout String) {
        out += "\""
        if needsNoEscaping(value) {
            out += value
            out += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                writeUnicodeEscape(scalar.value, to: &out)
            default:
                if scalar.value < 0x20 {
                    writeUnicodeEscape(scalar.value, to: &out)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    private static func writeUnicodeEscape(_ value: UInt32, to out: inout String) {
        out += "\\u"
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigits[Int((value >> UInt32(shift)) & 0xF)])
        }
    }
}
