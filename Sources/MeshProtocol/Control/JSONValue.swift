/// A JSON value with a deterministic, compact encoding like Go's `encoding/json` as receptor uses it:
/// object keys sorted, integral numbers without a fractional part, `<`, `>` and `&` escaped.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Compact text, keys sorted.
    public var text: String {
        var out = ""
        write(into: &out)
        return out
    }

    /// Appends the compact text to `out`.
    public func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += JSONValue.formatNumber(d)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, (k, v)) in o.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(k, into: &out)
                out += ":"
                v.write(into: &out)
            }
            out += "}"
        }
    }

    /// Formats a number as Go's `encoding/json` does for float64: the shortest digits that round-trip,
    /// in plain notation for 1e-6 <= |d| < 1e21 (so integral values have no ".0"), otherwise in
    /// exponent notation with a one-digit negative exponent where possible (`1e-7`, `1e+21`).
    public static func formatNumber(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let (digits, exponent) = shortestDigits(abs(d))
        let sign = d < 0 ? "-" : ""
        let magnitude = abs(d)
        if magnitude >= 1e-6 && magnitude < 1e21 {
            // value = 0.digits x 10^exponent
            if exponent <= 0 {
                return sign + "0." + String(repeating: "0", count: -exponent) + digits
            }
            if exponent >= digits.count {
                return sign + digits + String(repeating: "0", count: exponent - digits.count)
            }
            let cut = digits.index(digits.startIndex, offsetBy: exponent)
            return sign + digits[..<cut] + "." + digits[cut...]
        }
        let first = digits.prefix(1)
        let rest = digits.dropFirst()
        let e = exponent - 1
        var text = sign + first + (rest.isEmpty ? "" : "." + rest) + "e" + (e < 0 ? "-" : "+")
        let absE = abs(e)
        text += (e > 0 && absE < 10) ? "0\(absE)" : "\(absE)"
        return text
    }

    /// Shortest round-trip decimal digits of a positive finite double and the exponent `E` with
    /// value = 0.digits x 10^E (taken from Swift's own shortest representation).
    static func shortestDigits(_ d: Double) -> (String, Int) {
        let text = "\(d)"
        var mantissa = Substring(text)
        var exp10 = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exp10 = Int(text[text.index(after: e)...]) ?? 0
            mantissa = text[..<e]
        }
        var intPart = mantissa
        var fracPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fracPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(intPart) + String(fracPart)
        var exponent = intPart.count + exp10
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            exponent -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (digits, exponent)
    }

    /// Appends `s` as a JSON string the way Go's `encoding/json` writes it: `"`, `\\`, `\n`, `\r`, `\t`
    /// escaped, other control characters as `\u00XX`, U+2028 and U+2029 as `\uXXXX`, and `<`, `>`,
    /// `&` too unless `escapingHTML` is false (Go's `SetEscapeHTML(false)`).
    public static func writeString(_ s: String, into out: inout String, escapingHTML: Bool = true) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<" where escapingHTML: out += "\\u003c"
            case ">" where escapingHTML: out += "\\u003e"
            case "&" where escapingHTML: out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}
