/// RFC 3339 times as Go writes and reads them (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`), without
/// Foundation: advertisement times in `status`, expirations of remote work units, log times. The one
/// implementation in the package (MeshNode adds `Date` conversions, WorkUnits Go's other layouts).
public enum RFC3339Time {
    /// The earliest second RFC 3339 can write: 0000-01-01T00:00:00Z.
    public static let earliestSecond: Int64 = -62_167_219_200
    /// The latest second RFC 3339 can write: 9999-12-31T23:59:59Z.
    public static let latestSecond: Int64 = 253_402_300_799

    /// A time as Go's `time.RFC3339Nano` writes it: the fraction with trailing zeros trimmed and
    /// left out when zero, then `Z` for a zero offset, else `±hh:mm`.
    ///
    /// Total for every input (times come from flooded advertisements and unit files): a local time
    /// outside years 0000-9999 is clamped to them, nanoseconds to `0..<1_000_000_000`, the offset to
    /// under a day.
    /// - Parameters:
    ///   - seconds: Seconds since 1970-01-01T00:00:00Z.
    ///   - nanoseconds: The fraction of the second.
    ///   - utcOffsetSeconds: The zone's offset east of UTC; the text shows the local time.
    public static func format(seconds: Int64, nanoseconds: Int64 = 0, utcOffsetSeconds: Int64 = 0) -> String {
        let offset = min(max(utcOffsetSeconds, -86_399), 86_399)
        let (shifted, overflow) = seconds.addingReportingOverflow(offset)
        let local = overflow ? (offset < 0 ? earliestSecond : latestSecond) : min(max(shifted, earliestSecond), latestSecond)
        let fields = CivilTime(unixSeconds: local)
        var text = pad(fields.year, 4) + "-" + pad(fields.month, 2) + "-" + pad(fields.day, 2)
        text += "T" + pad(fields.hour, 2) + ":" + pad(fields.minute, 2) + ":" + pad(fields.second, 2)
        let nanos = min(max(nanoseconds, 0), 999_999_999)
        if nanos > 0 {
            var fraction = pad(nanos, 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        if offset == 0 {
            text += "Z"
        } else {
            let minutes = abs(offset) / 60
            text += (offset < 0 ? "-" : "+") + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
        }
        return text
    }

    /// ``format(seconds:nanoseconds:utcOffsetSeconds:)`` in UTC for milliseconds since 1970 (an
    /// advertisement's origin time): floor division, exact milliseconds, total for every `ms`.
    public static func format(millisecondsSince1970 ms: Int64) -> String {
        let (quotient, remainder) = ms.quotientAndRemainder(dividingBy: 1000)
        let seconds = remainder < 0 ? quotient - 1 : quotient
        let millis = remainder < 0 ? remainder + 1000 : remainder
        return format(seconds: seconds, nanoseconds: millis * 1_000_000)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        CivilTime.zeroPadded(value, width: width)
    }

    /// Seconds since 1970 and the microseconds of the fraction (beyond that is truncated), or nil
    /// when `text` is not in that form or names an impossible date.
    public static func parse(_ text: String) -> (seconds: Int64, microseconds: Int64)? {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(digits: 4), scanner.take(UInt8(ascii: "-")),
            let month = scanner.number(digits: 2), scanner.take(UInt8(ascii: "-")),
            let day = scanner.number(digits: 2), scanner.take(UInt8(ascii: "T")),
            let hour = scanner.number(digits: 2), scanner.take(UInt8(ascii: ":")),
            let minute = scanner.number(digits: 2), scanner.take(UInt8(ascii: ":")),
            let second = scanner.number(digits: 2)
        else { return nil }
        guard (1...12).contains(month), (1...CivilTime.daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }

        var micros: Int64 = 0
        if scanner.take(UInt8(ascii: ".")) {
            var count = 0
            while let digit = scanner.digit() {
                if count < 6 { micros = micros * 10 + digit }
                count += 1
            }
            guard count > 0 else { return nil }
            for _ in min(count, 6)..<6 { micros *= 10 }
        }

        var offset: Int64 = 0
        if !scanner.take(UInt8(ascii: "Z")) {
            let negative: Bool
            if scanner.take(UInt8(ascii: "+")) {
                negative = false
            } else if scanner.take(UInt8(ascii: "-")) {
                negative = true
            } else {
                return nil
            }
            guard let offsetHours = scanner.number(digits: 2), scanner.take(UInt8(ascii: ":")),
                let offsetMinutes = scanner.number(digits: 2), offsetHours < 24, offsetMinutes < 60
            else { return nil }
            offset = (offsetHours * 60 + offsetMinutes) * 60 * (negative ? -1 : 1)
        }
        guard scanner.atEnd else { return nil }
        let days = CivilTime.daysSince1970(year: year, month: month, day: day)
        return (days * 86_400 + hour * 3_600 + minute * 60 + second - offset, micros)
    }

    /// ``parse(_:)`` as fractional seconds since 1970.
    public static func seconds(_ text: String) -> Double? {
        parse(text).map { Double($0.seconds) + Double($0.microseconds) / 1_000_000 }
    }

    /// Reads fixed-width decimal fields and single bytes from ASCII text.
    private struct DigitScanner {
        private let bytes: [UInt8]
        private var index = 0

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int64? {
            guard index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 else { return nil }
            defer { index += 1 }
            return Int64(bytes[index] - 0x30)
        }

        mutating func number(digits: Int) -> Int64? {
            var value: Int64 = 0
            for _ in 0..<digits {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }
    }
}
