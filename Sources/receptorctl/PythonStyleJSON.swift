import MeshProtocol

/// Formats JSON as Python's `json.dumps(value, indent=4, sort_keys=True)` does, so `--json` output
/// matches the Python receptorctl byte for byte (ASCII only, `\uXXXX` for the rest).
enum PythonStyleJSON {
    static func pretty(_ value: JSONValue, indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent + 4)
        let close = String(repeating: " ", count: indent)
        switch value {
        case .object(let o):
            if o.isEmpty { return "{}" }
            let items = o.keys.sorted().map { "\(pad)\(string($0)): \(pretty(o[$0]!, indent: indent + 4))" }
            return "{\n" + items.joined(separator: ",\n") + "\n\(close)}"
        case .array(let a):
            if a.isEmpty { return "[]" }
            return "[\n" + a.map { pad + pretty($0, indent: indent + 4) }.joined(separator: ",\n") + "\n\(close)]"
        case .string(let s): return string(s)
        case .int(let i): return String(i)
        case .double(let d): return python(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    /// Python's float repr (`1.0`, `0.5`, `1e+16`); integral JSON numbers arrive as `.int`.
    static func python(_ d: Double) -> String {
        if d == d.rounded() && abs(d) < 1e16 { return String(Int64(d)) + ".0" }
        return "\(d)"
    }

    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.utf16 {
            switch u {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(u)!)
            default:
                let hex = String(u, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\""
    }

    /// Python's `str()` of a value inside a dict (single quotes), as used for the Tags column.
    static func pythonRepr(_ value: JSONValue) -> String {
        switch value {
        case .object(let o):
            // Python keeps the server's key order, which is sorted.
            return "{" + o.keys.sorted().map { "'\($0)': \(pythonRepr(o[$0]!))" }.joined(separator: ", ") + "}"
        case .array(let a): return "[" + a.map(pythonRepr).joined(separator: ", ") + "]"
        case .string(let s): return "'\(s)'"
        case .int(let i): return String(i)
        case .double(let d): return python(d)
        case .bool(let b): return b ? "True" : "False"
        case .null: return "None"
        }
    }
}
