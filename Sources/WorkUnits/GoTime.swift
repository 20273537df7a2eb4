import Foundation
import MeshProtocol

/// Time texts as receptor's Go code writes them.
///
/// Dates are converted with MeshProtocol's ``CivilTime`` (proleptic Gregorian, as Go does), not with
/// `Calendar`, whose Gregorian calendar switches to Julian dates before 1582 and would misplace Go's
/// zero time; RFC 3339 itself is MeshProtocol's ``RFC3339Time``.
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
        RFC3339Time.format(date, timeZone: timeZone)
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
        let offset = Int64(timeZone.secondsFromGMT(for: date))
        let fields = CivilTime(unixSeconds: RFC3339Time.unixTime(of: date).seconds + offset)
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

    private static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func pad(_ value: Int64, _ width: Int) -> String {
        CivilTime.zeroPadded(value, width: width)
    }
}
