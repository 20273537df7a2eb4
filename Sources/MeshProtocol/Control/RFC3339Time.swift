/// RFC 3339 times as Go writes and reads them (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`), parsed
/// without Foundation: advertisement times in `status`, expirations of remote work units.
public enum RFC3339Time {
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
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
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
        let days = daysFromCivil(year: year, month: month, day: day)
        return (days * 86_400 + hour * 3_600 + minute * 60 + second - offset, micros)
    }

    /// ``parse(_:)`` as fractional seconds since 1970.
    public static func seconds(_ text: String) -> Double? {
        parse(text).map { Double($0.seconds) + Double($0.microseconds) / 1_000_000 }
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date.
    public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        // Count years from March, so the leap day is the last day of the counted year.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func isLeap(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
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
