import MeshProtocol
import Testing

@Suite("RFC 3339 formatting and civil dates")
struct RFC3339TimeTests {
    @Test("civil fields and day counts are inverse, across leap years, 1970 and year 0")
    func civilRoundTrip() {
        for days in stride(from: Int64(-800_000), through: 3_000_000, by: 997) {
            let fields = CivilTime(unixSeconds: days * 86_400 + 3_661)
            #expect(CivilTime.daysSince1970(year: fields.year, month: fields.month, day: fields.day) == days)
            #expect((fields.hour, fields.minute, fields.second) == (1, 1, 1))
        }
        let leapDay = CivilTime(unixSeconds: 951_782_400)
        #expect((leapDay.year, leapDay.month, leapDay.day, leapDay.weekday) == (2000, 2, 29, 2))
    }

    @Test("zones print the local time and ±hh:mm, a zero offset prints Z")
    func zones() {
        #expect(RFC3339Time.format(seconds: 1_729_802_212, utcOffsetSeconds: -4 * 3_600) == "2024-10-24T16:36:52-04:00")
        #expect(RFC3339Time.format(seconds: 0, nanoseconds: 120_000_000, utcOffsetSeconds: 19_800) == "1970-01-01T05:30:00.12+05:30")
        #expect(RFC3339Time.format(seconds: 0, nanoseconds: 1) == "1970-01-01T00:00:00.000000001Z")
    }

    @Test("what it writes parses back to the same instant")
    func roundTrip() throws {
        for (seconds, nanos, offset) in [(Int64(0), Int64(0), Int64(0)), (1_700_000_000, 5_000, 3_600), (-62_135_596_800, 0, 0), (-1, 999_999_000, -34_200)] {
            let text = RFC3339Time.format(seconds: seconds, nanoseconds: nanos, utcOffsetSeconds: offset)
            let parsed = try #require(RFC3339Time.parse(text), "\(text)")
            #expect(parsed.seconds == seconds && parsed.microseconds == nanos / 1_000, "\(text)")
        }
    }

    @Test("no input traps: seconds, nanoseconds and offsets at the ends of Int64 are clamped")
    func extremes() {
        #expect(RFC3339Time.format(seconds: .max, utcOffsetSeconds: .max) == "9999-12-31T23:59:59+23:59")
        #expect(RFC3339Time.format(seconds: .min, nanoseconds: .min, utcOffsetSeconds: .min) == "0000-01-01T00:00:00-23:59")
        #expect(RFC3339Time.format(seconds: 0, nanoseconds: .max) == "1970-01-01T00:00:00.999999999Z")
        #expect(RFC3339Time.format(millisecondsSince1970: .max).hasPrefix("9999-12-31T23:59:59"))
        #expect(RFC3339Time.format(millisecondsSince1970: .min).hasPrefix("0000-01-01T00:00:00"))
    }
}
