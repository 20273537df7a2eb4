import Foundation
import MeshProtocol

/// Time texts as receptor's Go code writes them.
///
/// Dates are converted with proleptic Gregorian arithmetic (as Go does), not with `Calendar`, whose
/// Gregorian calendar switches to Julian dates before 1582 and would misplace Go's zero time.
public enum GoTime {
    /// Go's zero `time.Time` in JSON: the `Expiration` of a remote unit that has no TTL.
    public static let zeroRFC3339 = "0001-01-01T00:00:00Z"

    /// Seconds from 1970-01-01T00:00:00Z to Go's zero time, 0001-01-01T00:00:00Z.
    static let zeroTimeInterval: TimeInterval = -62_135_596_800

    /// Go's zero time as a `Date`.
    public static let zeroDate = Date(timeIntervalSince1970: zeroTimeInterval)

    /// `date` as Go's `time.Time` marshals to JSON (RFC 3339 with fractional seconds).
    ///
    /// The fraction has up to 6 digits (a `Date` holds no more precision than that for present-day times),
    /// trailing zeros trimmed, and is omitted when zero. The zone is `Z` for a zero offset, otherwise `±hh:mm`.
    /// - Parameters:
    ///   - date: The instant.
    ///   - timeZone: The zone to write it in; Go uses the process's local zone.
    public static func rfc3339(_ date: Date, timeZone: TimeZone = .current) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        var (seconds, micros) = split(date.timeIntervalSince1970)
        seconds += Int64(offset)
        let fields = CivilTime(unixSeconds: seconds)

        var text = pad(fields.year, 4) + "-" + pad(fields.month, 2) + "-" + pad(fields.day, 2)
        text += "T" + pad(fields.hour, 2) + ":" + pad(fields.minute, 2) + ":" + pad(fields.second, 2)
        if micros > 0 {
            var fraction = pad(micros, 6)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        if offset == 0 {
            text += "Z"
        } else {
            let sign = offset < 0 ? "-" : "+"
            let minutes = abs(offset) / 60
            text += sign + pad(Int64(minutes / 60), 2) + ":" + pad(Int64(minutes % 60), 2)
        }
        return text
    }

    /// Parses an RFC 3339 time as Go writes and reads it: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`
    /// (MeshProtocol's ``RFC3339Time``, as a `Date`).
    ///
    /// Go's zero time parses to ``zeroDate``. Fractions beyond microseconds are truncated.
    /// - Parameter text: The text, e.g. `2024-10-24T16:36:52.123456789-04:00`.
    /// - Returns: The instant, or `nil` if `text` is not in that form or names an impossible date.
    public static func parseRFC3339(_ text: String) -> Date? {
        guard let t = RFC3339Time.parse(text) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(t.seconds) + TimeInterval(t.microseconds) / 1_000_000)
    }

    /// `date` in Go's layout `Mon Jan 2 15:04:05` (weekday, month, unpadded day, 24-hour time).
    /// - Parameters:
    ///   - date: The instant.
    ///   - timeZone: The zone to write it in; Go uses the process's local zone.
    public static func formatExpiration(_ date: Date, timeZone: TimeZone = .current) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        let seconds = split(date.timeIntervalSince1970).seconds + Int64(offset)
        let fields = CivilTime(unixSeconds: seconds)
        return weekdayNames[fields.weekday] + " " + monthNames[Int(fields.month) - 1] + " " + String(fields.day)
            + " " + pad(fields.hour, 2) + ":" + pad(fields.minute, 2) + ":" + pad(fields.second, 2)
    }

    /// The `Detail` of a remote unit whose TTL passed before it started: `Work unit expired on <Mon Jan 2 15:04:05>`.
    /// - Parameters:
    ///   - expiration: When the unit expired.
    ///   - timeZone: The zone to write it in.
    public static func expiredDetail(_ expiration: Date, timeZone: TimeZone = .current) -> String {
        "Work unit expired on " + formatExpiration(expiration, timeZone: timeZone)
    }

    // MARK: - Civil-date arithmetic

    private static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Whole seconds (rounded down) and microseconds of a Unix time; microseconds are rounded.
    private static func split(_ interval: TimeInterval) -> (seconds: Int64, micros: Int64) {
        let whole = interval.rounded(.down)
        var seconds = Int64(whole)
        var micros = Int64(((interval - whole) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        return (seconds, micros)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        RFC3339Time.daysFromCivil(year: year, month: month, day: day)
    }

    /// Broken-down fields of a Unix time (already shifted into the wanted zone).
    private struct CivilTime {
        var year: Int64
        var month: Int64
        var day: Int64
        var hour: Int64
        var minute: Int64
        var second: Int64
        /// 0 is Sunday.
        var weekday: Int

        init(unixSeconds: Int64) {
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
    }
}
