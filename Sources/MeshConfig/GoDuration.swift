/// Go `time.Duration` text: parsing like `time.ParseDuration` and formatting
/// exactly like `Duration.String()`.
///
/// Receptor configs and control-protocol replies carry durations in Go syntax
/// (`"1m"`, `"1.5h"`, `"300ms"`), so both directions must match Go byte for byte.
public enum GoDuration {
    /// A duration string that Go's `time.ParseDuration` would reject.
    public struct ParseError: Error, CustomStringConvertible, Equatable, Sendable {
        /// Go's error text, such as `time: invalid duration "x"`.
        public var description: String

        /// Creates an error with Go's text.
        /// - Parameter description: The message.
        public init(description: String) {
            self.description = description
        }
    }

    private static let nanosecondsPerUnit: [String: UInt64] = [
        "ns": 1,
        "us": 1_000,
        "\u{00B5}s": 1_000,  // micro sign
        "\u{03BC}s": 1_000,  // Greek small letter mu
        "ms": 1_000_000,
        "s": 1_000_000_000,
        "m": 60_000_000_000,
        "h": 3_600_000_000_000,
    ]

    private static let limit: UInt64 = 1 << 63

    /// Parses Go duration syntax: an optional sign and one or more
    /// `<decimal><unit>` pairs (`"1h2m3.5s"`, `"-1.5h"`, `"300ms"`), or a bare `"0"`.
    ///
    /// - Parameter s: The text to parse.
    /// - Returns: The duration, with nanosecond resolution.
    /// - Throws: ``ParseError`` carrying Go's message for malformed input.
    public static func parse(_ s: String) throws(ParseError) -> Duration {
        .nanoseconds(try parseNanoseconds(s))
    }

    /// Parses Go duration syntax into a nanosecond count.
    ///
    /// - Parameter s: The text to parse.
    /// - Returns: The duration in nanoseconds.
    /// - Throws: ``ParseError`` carrying Go's message for malformed input.
    public static func parseNanoseconds(_ s: String) throws(ParseError) -> Int64 {
        let original = s
        var rest = Substring(s).utf8[...]
        let invalid = ParseError(description: "time: invalid duration \(quote(original))")
        var negative = false
        if let first = rest.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        if rest.elementsEqual("0".utf8) {
            return 0
        }
        if rest.isEmpty {
            throw invalid
        }
        var total: UInt64 = 0
        while let first = rest.first {
            guard first == UInt8(ascii: ".") || isDigit(first) else { throw invalid }

            // The integer part: [0-9]*
            let beforeInteger = rest.count
            var whole: UInt64 = 0
            while let c = rest.first, isDigit(c) {
                guard whole <= limit / 10 else { throw invalid }
                whole = whole * 10 + UInt64(c - UInt8(ascii: "0"))
                guard whole <= limit else { throw invalid }
                rest = rest.dropFirst()
            }
            let sawInteger = rest.count != beforeInteger

            // The fraction: (\.[0-9]*)?
            var fraction: UInt64 = 0
            var scale: Double = 1
            var sawFraction = false
            if rest.first == UInt8(ascii: ".") {
                rest = rest.dropFirst()
                let beforeFraction = rest.count
                var overflow = false
                while let c = rest.first, isDigit(c) {
                    rest = rest.dropFirst()
                    if overflow { continue }
                    if fraction > (limit - 1) / 10 {
                        overflow = true
                        continue
                    }
                    let next = fraction * 10 + UInt64(c - UInt8(ascii: "0"))
                    if next > limit {
                        overflow = true
                        continue
                    }
                    fraction = next
                    scale *= 10
                }
                sawFraction = rest.count != beforeFraction
            }
            guard sawInteger || sawFraction else { throw invalid }

            // The unit: everything up to the next digit or '.'.
            var unitLength = 0
            for c in rest {
                if c == UInt8(ascii: ".") || isDigit(c) { break }
                unitLength += 1
            }
            guard unitLength > 0 else {
                throw ParseError(description: "time: missing unit in duration \(quote(original))")
            }
            let unitText = String(decoding: rest.prefix(unitLength), as: UTF8.self)
            rest = rest.dropFirst(unitLength)
            guard let unit = nanosecondsPerUnit[unitText] else {
                throw ParseError(
                    description: "time: unknown unit \(quote(unitText)) in duration \(quote(original))"
                )
            }
            guard whole <= limit / unit else { throw invalid }
            var value = whole * unit
            if fraction > 0 {
                value += UInt64(Double(fraction) * (Double(unit) / scale))
                guard value <= limit else { throw invalid }
            }
            total += value
            guard total <= limit else { throw invalid }
        }
        if negative {
            return total == limit ? Int64.min : -Int64(total)
        }
        guard total <= limit - 1 else { throw invalid }
        return Int64(total)
    }

    /// Formats a duration exactly like Go's `Duration.String()`:
    /// `"0s"`, `"123ns"`, `"1.5µs"`, `"61.234ms"`, `"2m3.25s"`, `"1h0m0s"`.
    ///
    /// Sub-nanosecond precision is truncated; values beyond Go's int64 range are clamped.
    /// - Parameter d: The duration to format.
    /// - Returns: Go's text for `d`.
    public static func format(_ d: Duration) -> String {
        format(nanoseconds: nanoseconds(of: d))
    }

    /// Formats a nanosecond count exactly like Go's `Duration.String()`.
    /// - Parameter nanoseconds: The duration in nanoseconds.
    /// - Returns: Go's text, such as `"1h2m3.5s"`.
    public static func format(nanoseconds: Int64) -> String {
        let negative = nanoseconds < 0
        var u = nanoseconds.magnitude
        // Built back to front, as Go does.
        var reversed: [UInt8] = []
        if u < 1_000_000_000 {
            let precision: Int
            reversed.append(UInt8(ascii: "s"))
            switch u {
            case 0:
                return "0s"
            case ..<1_000:
                precision = 0
                reversed.append(UInt8(ascii: "n"))
            case ..<1_000_000:
                precision = 3
                reversed.append(contentsOf: "\u{00B5}".utf8.reversed())
            default:
                precision = 6
                reversed.append(UInt8(ascii: "m"))
            }
            u = appendFraction(&reversed, u, precision: precision)
            appendInteger(&reversed, u)
        } else {
            reversed.append(UInt8(ascii: "s"))
            u = appendFraction(&reversed, u, precision: 9)
            appendInteger(&reversed, u % 60)
            u /= 60
            if u > 0 {
                reversed.append(UInt8(ascii: "m"))
                appendInteger(&reversed, u % 60)
                u /= 60
                if u > 0 {
                    reversed.append(UInt8(ascii: "h"))
                    appendInteger(&reversed, u)
                }
            }
        }
        if negative {
            reversed.append(UInt8(ascii: "-"))
        }
        return String(decoding: reversed.reversed(), as: UTF8.self)
    }

    /// The whole nanoseconds in `d`, truncated toward zero and clamped to `Int64`.
    /// - Parameter d: A duration.
    /// - Returns: Its length in nanoseconds.
    public static func nanoseconds(of d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow {
            return seconds < 0 ? .min : .max
        }
        let (sum, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if sumOverflow {
            return seconds < 0 ? .min : .max
        }
        return sum
    }

    /// Appends the digits of `value % 10^precision` as a fraction (".123"),
    /// omitting trailing zeros and the point when the fraction is zero.
    private static func appendFraction(_ buffer: inout [UInt8], _ value: UInt64, precision: Int) -> UInt64 {
        var value = value
        var printing = false
        for _ in 0..<precision {
            let digit = value % 10
            printing = printing || digit != 0
            if printing {
                buffer.append(UInt8(ascii: "0") + UInt8(digit))
            }
            value /= 10
        }
        if printing {
            buffer.append(UInt8(ascii: "."))
        }
        return value
    }

    private static func appendInteger(_ buffer: inout [UInt8], _ value: UInt64) {
        var value = value
        if value == 0 {
            buffer.append(UInt8(ascii: "0"))
            return
        }
        while value > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(value % 10))
            value /= 10
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool {
        c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
    }

    /// Go's `time.quote`: double quotes, with `"` and `\` escaped and bytes
    /// outside printable ASCII written as `\xHH`.
    static func quote(_ s: String) -> String {
        var out = "\""
        for byte in s.utf8 {
            switch byte {
            case 0x20..<0x80:
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    out.append("\\")
                }
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out + "\""
    }
}
