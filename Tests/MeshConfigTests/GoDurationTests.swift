import MeshConfig
import Testing

@Suite struct GoDurationTests {
    /// Outputs of Go's `time.Duration.String()`.
    static let formatCases: [(Int64, String)] = [
        (0, "0s"),
        (1, "1ns"),
        (123, "123ns"),
        (999, "999ns"),
        (1_000, "1\u{00B5}s"),
        (1_100, "1.1\u{00B5}s"),
        (1_500, "1.5\u{00B5}s"),
        (2_200_000, "2.2ms"),
        (61_234_000, "61.234ms"),
        (999_999_999, "999.999999ms"),
        (1_000_000_000, "1s"),
        (3_300_000_000, "3.3s"),
        (245_000_000_000, "4m5s"),
        (245_001_000_000, "4m5.001s"),
        (123_250_000_000, "2m3.25s"),
        (18_367_001_000_000, "5h6m7.001s"),
        (480_000_000_001, "8m0.000000001s"),
        (3_600_000_000_000, "1h0m0s"),
        (3_723_500_000_000, "1h2m3.5s"),
        (60_000_000_000, "1m0s"),
        (90_000_000_000, "1m30s"),
        (-1, "-1ns"),
        (-1_500, "-1.5\u{00B5}s"),
        (-3_723_500_000_000, "-1h2m3.5s"),
        (Int64.max, "2562047h47m16.854775807s"),
        (Int64.min, "-2562047h47m16.854775808s"),
    ]

    @Test(arguments: formatCases)
    func formatsLikeGo(nanoseconds: Int64, expected: String) {
        #expect(GoDuration.format(nanoseconds: nanoseconds) == expected)
        #expect(GoDuration.format(.nanoseconds(nanoseconds)) == expected)
    }

    @Test func formatUsesMicroSignNotMu() {
        let text = GoDuration.format(.microseconds(5))
        #expect(text.unicodeScalars.map(\.value) == [0x35, 0xB5, 0x73])
    }

    @Test func formatTruncatesSubNanoseconds() {
        #expect(GoDuration.format(.nanoseconds(1) + .init(secondsComponent: 0, attosecondsComponent: 999_999_999)) == "1ns")
        #expect(GoDuration.format(.seconds(1.5)) == "1.5s")
        #expect(GoDuration.format(.milliseconds(250)) == "250ms")
    }

    /// Inputs and results of Go's `time.ParseDuration`.
    static let parseCases: [(String, Int64)] = [
        ("0", 0),
        ("5s", 5_000_000_000),
        ("30s", 30_000_000_000),
        ("1478s", 1_478_000_000_000),
        ("-5s", -5_000_000_000),
        ("+5s", 5_000_000_000),
        ("-0", 0),
        ("+0", 0),
        ("5.0s", 5_000_000_000),
        ("5.6s", 5_600_000_000),
        ("5.s", 5_000_000_000),
        (".5s", 500_000_000),
        ("1.004s", 1_004_000_000),
        ("1.0040s", 1_004_000_000),
        ("100.00100s", 100_001_000_000),
        ("10ns", 10),
        ("11us", 11_000),
        ("12\u{00B5}s", 12_000),
        ("12\u{03BC}s", 12_000),
        ("13ms", 13_000_000),
        ("14s", 14_000_000_000),
        ("15m", 900_000_000_000),
        ("16h", 57_600_000_000_000),
        ("3h30m", 12_600_000_000_000),
        ("10.5s4m", 250_500_000_000),
        ("-2m3.4s", -123_400_000_000),
        ("1h2m3s4ms5us6ns", 3_723_004_005_006),
        ("39h9m14.425s", 140_954_425_000_000),
        ("52763797000ns", 52_763_797_000),
        ("0.3333333333333333333h", 1_200_000_000_000),
        ("9007199254740993ns", 9_007_199_254_740_993),
        ("9223372036854775807ns", Int64.max),
        ("9223372036854775.807us", Int64.max),
        ("9223372036s854ms775us807ns", Int64.max),
        ("-9223372036854775808ns", Int64.min),
        ("-9223372036854775.808us", Int64.min),
        ("-2562047h47m16.854775808s", Int64.min),
        ("0.100000000000000000000h", 360_000_000_000),
        ("0.830103483285477580700h", 2_988_372_539_827),
        ("1.5h", 5_400_000_000_000),
        ("30m10s", 1_810_000_000_000),
        ("300ms", 300_000_000),
        ("1m", 60_000_000_000),
    ]

    @Test(arguments: parseCases)
    func parsesLikeGo(text: String, nanoseconds: Int64) throws {
        #expect(try GoDuration.parseNanoseconds(text) == nanoseconds)
        #expect(try GoDuration.parse(text) == .nanoseconds(nanoseconds))
    }

    static let errorCases: [(String, String)] = [
        ("", #"time: invalid duration """#),
        ("3", #"time: missing unit in duration "3""#),
        ("-", #"time: invalid duration "-""#),
        ("s", #"time: invalid duration "s""#),
        (".", #"time: invalid duration ".""#),
        ("-.", #"time: invalid duration "-.""#),
        (".s", #"time: invalid duration ".s""#),
        ("+.s", #"time: invalid duration "+.s""#),
        ("1d", #"time: unknown unit "d" in duration "1d""#),
        ("1 s", #"time: unknown unit " s" in duration "1 s""#),
        ("x", #"time: invalid duration "x""#),
        ("10", #"time: missing unit in duration "10""#),
        ("1.5", #"time: missing unit in duration "1.5""#),
        ("9223372036854775808ns", #"time: invalid duration "9223372036854775808ns""#),
        ("9223372036854775.808us", #"time: invalid duration "9223372036854775.808us""#),
        ("-9223372036854775809ns", #"time: invalid duration "-9223372036854775809ns""#),
        ("3000000h", #"time: invalid duration "3000000h""#),
        ("1\u{00E9}s", #"time: unknown unit "\xc3\xa9s" in duration "1\xc3\xa9s""#),
        ("\"1s", #"time: invalid duration "\"1s""#),
    ]

    @Test(arguments: errorCases)
    func rejectsLikeGo(text: String, message: String) {
        #expect(throws: GoDuration.ParseError(description: message)) {
            try GoDuration.parse(text)
        }
    }

    @Test func roundTripsFormattedValues() throws {
        for (nanoseconds, text) in Self.formatCases {
            #expect(try GoDuration.parseNanoseconds(text) == nanoseconds)
        }
    }
}
