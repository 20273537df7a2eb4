import Foundation

/// Converts ``ConfigValue``s to field types exactly as receptor's `cmdline` does.
///
/// Thrown messages are bare texts; the caller adds entry, item and field.
enum FieldConverter {
    struct Failure: Error {
        var message: String
    }

    static func convert(_ value: ConfigValue, to kind: FieldKind) throws(Failure) -> TypedValue {
        if case .null = value {
            switch kind {
            case .stringList, .floatMap, .mapList, .map:
                return .empty
            case .string, .int, .float, .bool:
                throw Failure(message: "value cannot be nil")
            }
        }
        switch kind {
        case .string:
            return .string(try toString(value))
        case .int:
            return .int(try toInt(value))
        case .float:
            return .float(try toFloat(value))
        case .bool:
            return .bool(try toBool(value))
        case .stringList:
            return .stringList(try toStringList(value))
        case .floatMap:
            return .floatMap(try toFloatMap(value))
        case .mapList:
            return .mapList(try toMapList(value))
        case .map:
            return .map(try toMap(value))
        }
    }

    static func typeError(_ kind: FieldKind) -> Failure {
        Failure(message: "type error (expected \(kind.goName))")
    }

    static func toString(_ value: ConfigValue) throws(Failure) -> String {
        switch value {
        case .string(let s):
            return s
        case .int(let i):
            return String(i)
        case .double(let d):
            return goFormatF(d)
        case .bool(let b):
            return b ? "true" : "false"
        case .null, .list, .map:
            throw typeError(.string)
        }
    }

    static func toInt(_ value: ConfigValue) throws(Failure) -> Int64 {
        switch value {
        case .int(let i):
            return i
        case .double(let d):
            guard d.isFinite, let truncated = Int64(exactly: d.rounded(.towardZero)) else {
                throw Failure(message: "value \(d) does not fit in an int")
            }
            return truncated
        case .string(let s):
            return try goParseInt(s)
        case .bool, .null, .list, .map:
            throw typeError(.int)
        }
    }

    static func toFloat(_ value: ConfigValue) throws(Failure) -> Double {
        switch value {
        case .int(let i):
            return Double(i)
        case .double(let d):
            return d
        case .string(let s):
            return try goParseFloat(s)
        case .bool, .null, .list, .map:
            throw typeError(.float)
        }
    }

    static func toBool(_ value: ConfigValue) throws(Failure) -> Bool {
        switch value {
        case .bool(let b):
            return b
        case .string(let s):
            switch s {
            case "1", "t", "T", "Y", "true", "TRUE", "True", "yes", "Yes", "YES":
                return true
            case "0", "f", "F", "N", "false", "FALSE", "False", "no", "No", "NO":
                return false
            default:
                throw Failure(message: "could not parse \(s) as boolean")
            }
        case .int, .double, .null, .list, .map:
            throw typeError(.bool)
        }
    }

    static func toStringList(_ value: ConfigValue) throws(Failure) -> [String] {
        switch value {
        case .list(let values):
            return try values.map { element throws(Failure) in
                switch element {
                case .string, .int, .double, .bool:
                    return try toString(element)
                case .null, .list, .map:
                    throw Failure(message: "invalid value \(element.displayText): must be type string")
                }
            }
        case .string(let s) where s.hasPrefix("["):
            guard let parsed = ConfigValue.parseJSON(s), case .list(let values) = parsed else {
                throw Failure(message: "invalid JSON list \(s)")
            }
            return try values.map { element throws(Failure) in
                guard case .string(let text) = element else {
                    throw Failure(message: "invalid JSON list \(s): elements must be strings")
                }
                return text
            }
        case .string(let s):
            return [s]
        case .int, .double, .bool, .null, .map:
            throw typeError(.stringList)
        }
    }

    static func toFloatMap(_ value: ConfigValue) throws(Failure) -> [String: Double] {
        let entries: [String: ConfigValue]
        switch value {
        case .map(let map):
            entries = map
        case .string(let s) where s.hasPrefix("{"):
            guard let parsed = ConfigValue.parseJSON(s), case .map(let map) = parsed else {
                throw Failure(message: "invalid JSON object \(s)")
            }
            entries = map
        default:
            throw typeError(.floatMap)
        }
        var result: [String: Double] = [:]
        for key in entries.keys.sorted() {
            switch entries[key] {
            case .int(let i)?:
                result[key] = Double(i)
            case .double(let d)?:
                result[key] = d
            case let other?:
                throw Failure(message: "invalid value \(other.displayText) for \(key): must be type float64")
            case nil:
                break
            }
        }
        return result
    }

    static func toMapList(_ value: ConfigValue) throws(Failure) -> [[String: ConfigValue]] {
        let elements: [ConfigValue]
        switch value {
        case .list(let list):
            elements = list
        case .string(let s) where s.hasPrefix("["):
            guard let parsed = ConfigValue.parseJSON(s), case .list(let list) = parsed else {
                throw Failure(message: "invalid JSON list \(s)")
            }
            elements = list
        default:
            throw typeError(.mapList)
        }
        return try elements.enumerated().map { offset, element throws(Failure) in
            guard case .map(let map) = element else {
                throw Failure(message: "item \(offset + 1) is not a map")
            }
            return map
        }
    }

    static func toMap(_ value: ConfigValue) throws(Failure) -> [String: ConfigValue] {
        switch value {
        case .map(let map):
            return map
        case .string(let s) where s.hasPrefix("{"):
            guard let parsed = ConfigValue.parseJSON(s), case .map(let map) = parsed else {
                throw Failure(message: "invalid JSON object \(s)")
            }
            return map
        default:
            throw typeError(.map)
        }
    }

    /// Go's `fmt.Sprintf("%f", d)`.
    static func goFormatF(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        return String(format: "%f", d)
    }

    /// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, then `0x`/`0o`/`0b`
    /// prefixes or a leading `0` for octal, with `_` separators between digits.
    static func goParseInt(_ s: String) throws(Failure) -> Int64 {
        let syntax = Failure(message: "strconv.ParseInt: parsing \(goQuote(s)): invalid syntax")
        let range = Failure(message: "strconv.ParseInt: parsing \(goQuote(s)): value out of range")
        var digits = Substring(s)
        var negative = false
        if let first = digits.first, first == "+" || first == "-" {
            negative = first == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { throw syntax }
        let body = digits
        var base: UInt64 = 10
        if digits.first == "0" {
            let second = digits.dropFirst().first.map { Character($0.lowercased()) }
            if digits.count >= 3, second == "b" {
                base = 2
                digits = digits.dropFirst(2)
            } else if digits.count >= 3, second == "o" {
                base = 8
                digits = digits.dropFirst(2)
            } else if digits.count >= 3, second == "x" {
                base = 16
                digits = digits.dropFirst(2)
            } else {
                base = 8
                digits = digits.dropFirst()
            }
        }
        var magnitude: UInt64 = 0
        var sawUnderscore = false
        for character in digits {
            if character == "_" {
                sawUnderscore = true
                continue
            }
            guard let digit = character.hexDigitValue, UInt64(digit) < base else { throw syntax }
            let (shifted, overflow1) = magnitude.multipliedReportingOverflow(by: base)
            let (sum, overflow2) = shifted.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { throw range }
            magnitude = sum
        }
        if sawUnderscore && !underscoresWellPlaced(body) {
            throw syntax
        }
        let cutoff: UInt64 = 1 << 63
        if negative {
            guard magnitude <= cutoff else { throw range }
            return magnitude == cutoff ? .min : -Int64(magnitude)
        }
        guard magnitude < cutoff else { throw range }
        return Int64(magnitude)
    }

    /// Go's rule: underscores only between digits, or between a base prefix and a digit.
    private static func underscoresWellPlaced(_ s: Substring) -> Bool {
        var previous: Character = "^"
        var characters = Array(s)
        var hex = false
        if characters.count >= 2, characters[0] == "0",
            let prefix = characters[1].lowercased().first, "bxo".contains(prefix)
        {
            hex = prefix == "x"
            previous = "0"
            characters.removeFirst(2)
        }
        for character in characters {
            if character.isASCII && (character.isNumber || (hex && character.isHexDigit)) {
                previous = "0"
                continue
            }
            if character == "_" {
                if previous != "0" { return false }
                previous = "_"
                continue
            }
            if previous == "_" { return false }
            previous = "!"
        }
        return previous != "_"
    }

    /// Go's `strconv.ParseFloat(s, 64)` for the forms configs use.
    static func goParseFloat(_ s: String) throws(Failure) -> Double {
        let lowered = s.lowercased()
        let unsigned = lowered.hasPrefix("+") || lowered.hasPrefix("-") ? String(lowered.dropFirst()) : lowered
        if unsigned == "inf" || unsigned == "infinity" {
            return lowered.hasPrefix("-") ? -.infinity : .infinity
        }
        if unsigned == "nan" {
            return .nan
        }
        guard unsigned.first.map({ $0.isASCII && ($0.isNumber || $0 == ".") }) == true,
            let value = Double(s)
        else {
            throw Failure(message: "strconv.ParseFloat: parsing \(goQuote(s)): invalid syntax")
        }
        return value
    }

    /// A simplified `strconv.Quote`.
    static func goQuote(_ s: String) -> String {
        ConfigValue.quoted(s)
    }
}
