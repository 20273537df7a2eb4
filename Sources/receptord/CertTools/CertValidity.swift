import Foundation

/// The validity period of a certificate being made, from the `notbefore` and
/// `notafter` fields (RFC 3339 timestamps, like Go's `time.RFC3339`).
struct CertValidity {
    /// Start of validity, whole seconds.
    var notBefore: Date
    /// End of validity, whole seconds.
    var notAfter: Date

    /// Reads `notbefore` and `notafter`; a missing `notbefore` is now and a missing
    /// `notafter` is `defaultYears` years after now (counted from now, not from `notbefore`).
    /// - Parameters:
    ///   - fields: The entry's fields.
    ///   - defaultYears: Years added to now for a missing `notafter`.
    ///   - now: The current time.
    static func read(_ fields: CertToolFields, defaultYears: Int, now: Date = Date()) throws(CertToolError) -> CertValidity {
        let current = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let notBefore = try timestamp(fields, "notbefore") ?? current
        let notAfter = try timestamp(fields, "notafter") ?? addingYears(defaultYears, to: current)
        guard notAfter > notBefore else {
            throw fields.error("notafter", "notafter must be later than notbefore")
        }
        return CertValidity(notBefore: notBefore, notAfter: notAfter)
    }

    /// An RFC 3339 field, or `nil` if absent or empty.
    private static func timestamp(_ fields: CertToolFields, _ name: String) throws(CertToolError) -> Date? {
        guard let text = try fields.nonEmptyString(name) else { return nil }
        guard let date = parseRFC3339(text) else {
            throw fields.error(name, "invalid RFC 3339 timestamp \(text) (expected e.g. 2025-01-31T12:00:00Z)")
        }
        return Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// Parses `2006-01-02T15:04:05Z`, `...+02:00`, with or without fractional seconds.
    /// - Parameter text: The timestamp.
    /// - Returns: The date, or `nil` if `text` is not RFC 3339.
    static func parseRFC3339(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) {
            return date
        }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// `date` plus `years` calendar years in UTC (Go's `AddDate(years, 0, 0)`).
    static func addingYears(_ years: Int, to date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.date(byAdding: .year, value: years, to: date) ?? date.addingTimeInterval(Double(years) * 365.25 * 86400)
    }
}
