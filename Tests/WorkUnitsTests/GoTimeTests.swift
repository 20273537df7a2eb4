import Foundation
import MeshProtocol
import Testing

@testable import WorkUnits

@Suite struct GoTimeTests {
    static let utc = TimeZone(secondsFromGMT: 0)!
    static let eastern = TimeZone(secondsFromGMT: -4 * 3_600)!
    static let india = TimeZone(secondsFromGMT: 5 * 3_600 + 1_800)!

    @Test func formatsRFC3339LikeGoTimeMarshalJSON() {
        #expect(GoTime.rfc3339(Date(timeIntervalSince1970: 0), timeZone: Self.utc) == "1970-01-01T00:00:00Z")
        #expect(GoTime.rfc3339(Date(timeIntervalSince1970: 1_136_214_245), timeZone: Self.utc) == "2006-01-02T15:04:05Z")
        #expect(
            GoTime.rfc3339(Date(timeIntervalSince1970: 1_729_802_212.5), timeZone: Self.eastern)
                == "2024-10-24T16:36:52.5-04:00"
        )
        #expect(
            GoTime.rfc3339(Date(timeIntervalSince1970: 1_729_802_212.12), timeZone: Self.india)
                == "2024-10-25T02:06:52.12+05:30"
        )
        #expect(GoTime.rfc3339(Date(timeIntervalSince1970: -0.5), timeZone: Self.utc) == "1969-12-31T23:59:59.5Z")
        #expect(GoTime.rfc3339(GoTime.zeroDate, timeZone: Self.utc) == GoTime.zeroRFC3339)
    }

    @Test(arguments: [
        "1970-01-01T00:00:00Z", "2006-01-02T15:04:05Z", "2024-10-24T16:36:52.123456-04:00",
        "2024-02-29T12:00:00.5+05:30", "1969-12-31T23:59:59.25Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
    ])
    func parsesAndFormatsBack(_ text: String) throws {
        let date = try #require(GoTime.parseRFC3339(text))
        let zone: TimeZone =
            if text.hasSuffix("Z") { Self.utc }
            else if text.hasSuffix("-04:00") { Self.eastern }
            else { Self.india }
        #expect(GoTime.rfc3339(date, timeZone: zone) == text)
    }

    @Test func parsesGoNanosecondsAndOffsets() throws {
        let date = try #require(GoTime.parseRFC3339("2024-10-24T16:36:52.123456789-04:00"))
        #expect(abs(date.timeIntervalSince1970 - 1_729_802_212.123456) < 1e-6)
        #expect(GoTime.parseRFC3339(GoTime.zeroRFC3339) == GoTime.zeroDate)
        #expect(CivilTime.daysSince1970(year: 1, month: 1, day: 1) == -719_162)
        #expect(CivilTime.daysSince1970(year: 2000, month: 3, day: 1) == 11_017)
    }

    @Test(arguments: [
        "", "x", "2024-10-24", "2024-10-24 16:36:52Z", "2024-10-24T16:36:52", "2024-10-24T16:36:52.Z",
        "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-10-24T24:00:00Z",
        "2024-10-24T16:60:00Z", "2024-10-24T16:36:52+0400", "2024-10-24T16:36:52Zjunk", "24-10-24T16:36:52Z",
    ])
    func rejectsMalformedTimes(_ text: String) {
        #expect(GoTime.parseRFC3339(text) == nil)
    }

    @Test func formatsGoExpirationLayout() {
        #expect(GoTime.formatExpiration(Date(timeIntervalSince1970: 1_136_214_245), timeZone: Self.utc) == "Mon Jan 2 15:04:05")
        #expect(GoTime.formatExpiration(Date(timeIntervalSince1970: 1_729_802_212.9), timeZone: Self.eastern) == "Thu Oct 24 16:36:52")
        #expect(GoTime.formatExpiration(Date(timeIntervalSince1970: 1_709_208_000), timeZone: Self.utc) == "Thu Feb 29 12:00:00")
        #expect(GoTime.formatExpiration(Date(timeIntervalSince1970: 951_868_800), timeZone: Self.utc) == "Wed Mar 1 00:00:00")
        #expect(GoTime.formatExpiration(Date(timeIntervalSince1970: -1), timeZone: Self.utc) == "Wed Dec 31 23:59:59")
        #expect(GoTime.formatExpiration(GoTime.zeroDate, timeZone: Self.utc) == "Mon Jan 1 00:00:00")
        #expect(
            GoTime.expiredDetail(Date(timeIntervalSince1970: 1_136_214_245), timeZone: Self.utc)
                == "Work unit expired on Mon Jan 2 15:04:05"
        )
    }

    @Test func weekdaysCycleThroughAWeek() {
        let names = (0..<7).map {
            GoTime.formatExpiration(Date(timeIntervalSince1970: 1_136_214_245 + Double($0) * 86_400), timeZone: Self.utc)
                .prefix(3)
        }
        #expect(names == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    }
}
