import Foundation
import MeshProtocol

extension RFC3339Time {
    /// `date` as whole seconds since 1970 (rounded down) and microseconds (rounded), clamped to what
    /// RFC 3339 can write (years 0000-9999); NaN counts as 1970. Microseconds, because a `Date`
    /// holds no more precision than that for present-day times: finer digits would be noise.
    public static func unixTime(of date: Date) -> (seconds: Int64, microseconds: Int64) {
        let interval = date.timeIntervalSince1970
        guard !interval.isNaN else { return (0, 0) }
        let t = min(max(interval, Double(earliestSecond)), Double(latestSecond))
        let whole = t.rounded(.down)
        var seconds = Int64(whole)
        var micros = Int64(((t - whole) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        return (seconds, micros)
    }

    /// `date` as Go's `time.Time` writes it in RFC 3339 (``format(seconds:nanoseconds:utcOffsetSeconds:)``).
    /// - Parameters:
    ///   - date: The instant.
    ///   - timeZone: The zone to write it in; nil for UTC (`Z`).
    public static func format(_ date: Date, timeZone: TimeZone? = nil) -> String {
        let (seconds, micros) = unixTime(of: date)
        let offset = timeZone.map { Int64($0.secondsFromGMT(for: date)) } ?? 0
        return format(seconds: seconds, nanoseconds: micros * 1_000, utcOffsetSeconds: offset)
    }
}
