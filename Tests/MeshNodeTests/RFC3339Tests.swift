import Foundation
import Testing

@testable import MeshNode
import MeshProtocol

@Suite("RFC 3339 timestamps (Go's RFC3339Nano)")
struct RFC3339Tests {
    @Test("whole seconds have no fraction")
    func wholeSeconds() {
        #expect(RFC3339Time.format(millisecondsSince1970: 0) == "1970-01-01T00:00:00Z")
        #expect(RFC3339Time.format(millisecondsSince1970: 1_700_000_000_000) == "2023-11-14T22:13:20Z")
        #expect(RFC3339Time.format(millisecondsSince1970: 951_782_400_000) == "2000-02-29T00:00:00Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: 86_399)) == "1970-01-01T23:59:59Z")
    }

    @Test("fractions have trailing zeros trimmed")
    func fractions() {
        #expect(RFC3339Time.format(millisecondsSince1970: 1_500) == "1970-01-01T00:00:01.5Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: 1.25)) == "1970-01-01T00:00:01.25Z")
    }

    @Test("times before 1970")
    func beforeEpoch() {
        #expect(RFC3339Time.format(millisecondsSince1970: -1_000) == "1969-12-31T23:59:59Z")
        #expect(RFC3339Time.format(millisecondsSince1970: -500) == "1969-12-31T23:59:59.5Z")
    }

    @Test("milliseconds are written exactly, without binary floating-point noise")
    func exactMilliseconds() {
        // Go: time.UnixMilli(ms).UTC().Format(time.RFC3339Nano).
        #expect(RFC3339Time.format(millisecondsSince1970: 1_700_000_000_123) == "2023-11-14T22:13:20.123Z")
        #expect(RFC3339Time.format(millisecondsSince1970: 1_700_000_000_999) == "2023-11-14T22:13:20.999Z")
        #expect(RFC3339Time.format(millisecondsSince1970: 10) == "1970-01-01T00:00:00.01Z")
    }
}

/// Times come from flooded advertisements and unit files: no value may trap the formatter.
@Suite("RFC 3339 at the ends of the range")
struct RFC3339ExtremeTests {
    @Test("Int64.min and Int64.max milliseconds format without trapping")
    func extremes() {
        for ms in [Int64.min, Int64.min + 1, -999, -1, Int64.max, Int64.max - 999] {
            let text = RFC3339Time.format(millisecondsSince1970: ms)
            #expect(text.hasSuffix("Z"))
        }
        #expect(RFC3339Time.format(millisecondsSince1970: -1) == "1969-12-31T23:59:59.999Z")
    }

    @Test("Dates outside years 0000-9999 are clamped, NaN and infinity too")
    func dates() {
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: 1e300)) == "9999-12-31T23:59:59Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: -1e300)).hasPrefix("0000-01-01"))
        _ = RFC3339Time.format(Date(timeIntervalSince1970: .infinity))
        _ = RFC3339Time.format(Date(timeIntervalSince1970: .nan))
    }
}
