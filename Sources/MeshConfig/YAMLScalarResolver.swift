import Yams

/// Types plain YAML scalars by YAML 1.1 rules, as Go's `gopkg.in/yaml.v2` does.
///
/// Yams' default resolver follows YAML 1.2-ish core rules and would read
/// `y`/`n` as strings; receptor configs are written against yaml.v2, so this
/// resolver is used instead. Quoted and block scalars are always strings.
enum YAMLScalarResolver {
    private static let booleans: [String: Bool] = [
        "y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
        "true": true, "True": true, "TRUE": true,
        "on": true, "On": true, "ON": true,
        "n": false, "N": false, "no": false, "No": false, "NO": false,
        "false": false, "False": false, "FALSE": false,
        "off": false, "Off": false, "OFF": false,
    ]

    private static let nulls: Set<String> = ["", "~", "null", "Null", "NULL"]

    private static let specialFloats: [String: Double] = [
        ".nan": .nan, ".NaN": .nan, ".NAN": .nan,
        ".inf": .infinity, ".Inf": .infinity, ".INF": .infinity,
        "+.inf": .infinity, "+.Inf": .infinity, "+.INF": .infinity,
        "-.inf": -.infinity, "-.Inf": -.infinity, "-.INF": -.infinity,
    ]

    /// Types a scalar node, honouring quoting and explicit `!!` tags.
    static func value(of scalar: Node.Scalar) throws(ConfigError) -> ConfigValue {
        let text = scalar.string
        switch scalar.style {
        case .singleQuoted, .doubleQuoted, .literal, .folded:
            return .string(text)
        case .any, .plain:
            break
        }
        switch scalar.tag.rawValue {
        case Tag.Name.str.rawValue:
            return .string(text)
        case Tag.Name.int.rawValue:
            let value = resolvePlain(text)
            guard case .int = value else { throw mismatch(text, "!!int", scalar) }
            return value
        case Tag.Name.float.rawValue:
            switch resolvePlain(text) {
            case .int(let i):
                return .double(Double(i))
            case .double(let d):
                return .double(d)
            default:
                throw mismatch(text, "!!float", scalar)
            }
        case Tag.Name.bool.rawValue:
            let value = resolvePlain(text)
            guard case .bool = value else { throw mismatch(text, "!!bool", scalar) }
            return value
        case Tag.Name.null.rawValue:
            return .null
        default:
            return resolvePlain(text)
        }
    }

    private static func mismatch(_ text: String, _ tag: String, _ scalar: Node.Scalar) -> ConfigError {
        let line = scalar.mark.map { "line \($0.line): " } ?? ""
        return ConfigError(message: "yaml: \(line)cannot decode \(ConfigValue.quoted(text)) as a \(tag)")
    }

    /// Types the text of an untagged plain scalar.
    static func resolvePlain(_ text: String) -> ConfigValue {
        if let bool = booleans[text] {
            return .bool(bool)
        }
        if nulls.contains(text) {
            return .null
        }
        if let special = specialFloats[text] {
            return .double(special)
        }
        guard let first = text.unicodeScalars.first else { return .string(text) }
        switch first {
        case ".":
            if let double = goFloat(text) {
                return .double(double)
            }
        case "+", "-", "0"..."9":
            let plain = text.replacingOccurrences(of: "_", with: "")
            // A parse attempt: not an int means a float or a string, tried next.
            if let int = try? FieldConverter.goParseInt(plain) {
                return .int(int)
            }
            if isYAMLStyleFloat(plain), let double = Double(plain) {
                return .double(double)
            }
        default:
            break
        }
        return .string(text)
    }

    /// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
    static func isYAMLStyleFloat(_ s: String) -> Bool {
        var chars = Substring(s).unicodeScalars[...]
        func digits() -> Int {
            var count = 0
            while let c = chars.first, ("0"..."9").contains(c) {
                chars = chars.dropFirst()
                count += 1
            }
            return count
        }
        if let c = chars.first, c == "+" || c == "-" {
            chars = chars.dropFirst()
        }
        if chars.first == "." {
            chars = chars.dropFirst()
            guard digits() > 0 else { return false }
        } else {
            guard digits() > 0 else { return false }
            if chars.first == "." {
                chars = chars.dropFirst()
                _ = digits()
            }
        }
        if let c = chars.first, c == "e" || c == "E" {
            chars = chars.dropFirst()
            if let sign = chars.first, sign == "+" || sign == "-" {
                chars = chars.dropFirst()
            }
            guard digits() > 0 else { return false }
        }
        return chars.isEmpty
    }

    /// Go's `strconv.ParseFloat` for plain scalars starting with `.`.
    private static func goFloat(_ s: String) -> Double? {
        // A parse attempt: nil means the scalar is a string.
        try? FieldConverter.goParseFloat(s)
    }
}
