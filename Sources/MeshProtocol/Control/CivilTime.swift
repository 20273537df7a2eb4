/// A Unix time broken into calendar fields, in the proleptic Gregorian calendar Go's `time`
/// package uses (no switch to Julian dates before 1582, so Go's zero time lands where Go puts it).
///
/// Integer arithmetic only, total for every `Int64` second: the day count of `Int64.max` seconds
/// is about 10^14, far from any overflow in the era arithmetic below.
public struct CivilTime: Equatable, Sendable {
    public var year: Int64
    /// 1...12.
    public var month: Int64
    /// 1...31.
    public var day: Int64
    public var hour: Int64
    public var minute: Int64
    public var second: Int64
    /// 0 is Sunday.
    public var weekday: Int

    /// The fields of `unixSeconds` (already shifted into the wanted zone).
    public init(unixSeconds: Int64) {
        var days = unixSeconds / 86_400
        var secondOfDay = unixSeconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        hour = secondOfDay / 3_600
        minute = secondOfDay % 3_600 / 60
        second = secondOfDay % 60
        // 1970-01-01 was a Thursday.
        weekday = Int(((days % 7) + 11) % 7)

        // Count from 0000-03-01, so each 400-year era ends with its leap day.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Days from 1970-01-01 to the given date (the inverse of the date part of ``init(unixSeconds:)``).
    /// - Parameters:
    ///   - year: The year; callers pass at most a few digits (a parsed `YYYY`).
    ///   - month: 1...12.
    ///   - day: 1...31.
    public static func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
        // Count years from March, so the leap day is the last day of the counted year.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Decimal digits of `value`, zero-padded to `width` (fields of a non-negative year).
    public static func zeroPadded(_ value: Int64, width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
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
}
