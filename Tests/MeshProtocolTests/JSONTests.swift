import MeshTestSupport
import MeshProtocol
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    @Test("scalars")
    func scalars() throws {
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse(" false ") == .bool(false))
        #expect(try JSONParser.parse("0") == .int(0))
        #expect(try JSONParser.parse("-0") == .int(0))
        #expect(try JSONParser.parse("-17") == .int(-17))
        #expect(try JSONParser.parse("9223372036854775807") == .int(.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONParser.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try JSONParser.parse("1.5") == .double(1.5))
        #expect(try JSONParser.parse("-0.25") == .double(-0.25))
        #expect(try JSONParser.parse("1e3") == .double(1000))
        #expect(try JSONParser.parse("1E-2") == .double(0.01))
        #expect(try JSONParser.parse("2.5e+2") == .double(250))
        #expect(try JSONParser.parse("\t\r\n \"x\" \n") == .string("x"))
    }

    @Test("string escapes")
    func escapes() throws {
        #expect(try JSONParser.parse(#""""#) == .string(""))
        #expect(try JSONParser.parse(#""a\"b\\c\/d""#) == .string("a\"b\\c/d"))
        #expect(try JSONParser.parse(#""\b\f\n\r\t""#) == .string("\u{08}\u{0C}\n\r\t"))
        #expect(try JSONParser.parse(#""\u0041\u00e9\u20AC\u0000""#) == .string("Aé€\u{0}"))
        #expect(try JSONParser.parse(#""\uD83D\uDE00 ok""#) == .string("😀 ok"))
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse("\"é😀 raw\"") == .string("é😀 raw"))
        // Lone surrogates become U+FFFD (as Go does).
        #expect(try JSONParser.parse(#""\uD800""#) == .string("\u{FFFD}"))
        #expect(try JSONParser.parse(#""\uDC00x""#) == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse(#""\uD800x""#) == .string("\u{FFFD}x"))
    }

    @Test("a high surrogate followed by a non-surrogate escape keeps the second character")
    func unpairedHighSurrogateThenEscape() throws {
        // Go: "\ud800\u0041" -> "\ufffdA".
        let value = try JSONParser.parse(#""\uD800\u0041""#)
        #expect(value == .string("\u{FFFD}A"))
    }

    @Test("nested documents")
    func nested() throws {
        let v = try JSONParser.parse(#"{"a": [1, {"b": null, "c": [true, false, []]}], "d": {"e": {}}, "f": "g"}"#)
        #expect(
            v == .object([
                "a": .array([.int(1), .object(["b": .null, "c": .array([.bool(true), .bool(false), .array([])])])]),
                "d": .object(["e": .object([:])]),
                "f": .string("g"),
            ])
        )
    }

    @Test("a repeated key keeps the last value")
    func duplicateKeys() throws {
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#) == .object(["a": .int(2)]))
    }

    static let invalid: [String] = [
        "", " ", "{", "[", "}", "]", "[1,]", "[,1]", #"{"a":1,}"#, #"{,}"#, #"{"a" 1}"#, "{a:1}", #"{"a":}"#,
        "[1 2]", "{} {}", "1 2", "[1]x", "nul", "tru", "falsey", "NaN", "Infinity", "-Infinity", "'a'",
        #""abc"#, #""\x""#, #""\u12""#, #""\u12G4""#, #""\"#, "\"a\tb\"", "\"a\nb\"", "1.", ".5", "-", "+1", "1e",
        "1e+", "--1", "0x10", #"{"a":1"#, "[1", "\u{FEFF}1",
    ]

    @Test("invalid documents throw", arguments: invalid)
    func invalidDocuments(text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test("errors say where the problem is")
    func errorText() {
        do {
            _ = try JSONParser.parse("{} x")
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "invalid character after top-level value at offset 3")
        }
    }

    @Test("numbers with leading zeros are not JSON")
    func leadingZeros() {
        for text in ["01", "-01", "00", "[007]"] {
            #expect(throws: JSONParser.Error.self, "\(text)") { try JSONParser.parse(text) }
        }
    }

    @Test("nesting is bounded by maximumDepth")
    func depth() throws {
        func arrays(_ n: Int) -> String { String(repeating: "[", count: n) + String(repeating: "]", count: n) }
        #expect(throws: Never.self) { try JSONParser.parse(arrays(64)) }
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(arrays(65)) }
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(String(repeating: "[", count: 64) + "1" + String(repeating: "]", count: 64)) }
        #expect(try JSONParser.parse(#"{"a":{"b":1}}"#, maximumDepth: 3) == .object(["a": .object(["b": .int(1)])]))
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(#"{"a":{"b":1}}"#, maximumDepth: 2) }
        #expect(try JSONParser.parse("1", maximumDepth: 1) == .int(1))
        // Hostile depth fails quickly instead of exhausting the stack.
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(String(repeating: "[", count: 200_000)) }
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(String(repeating: #"{"a":"#, count: 100_000)) }
    }

    @Test("random input never crashes", arguments: [101, 102, 103] as [UInt64])
    func garbage(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let alphabet = Array(#"{}[]":,\/ u0123456789abcdefABCDEF.eE+-truefalsnl"#.unicodeScalars) + ["\t", "\n", "é", "😀", "\u{1}"]
        var parsed = 0
        for i in 0..<4000 {
            var text = ""
            if i.isMultiple(of: 4) {
                text = String(decoding: rng.bytes(count: Int.random(in: 0...30, using: &rng)), as: UTF8.self)
            } else {
                for _ in 0..<Int.random(in: 0...30, using: &rng) {
                    text.unicodeScalars.append(alphabet.randomElement(using: &rng)!)
                }
                if i.isMultiple(of: 3) { text = "{\"k\":" + text + "}" }
            }
            do {
                _ = try JSONParser.parse(text)
                parsed += 1
            } catch is JSONParser.Error {
            } catch {
                Issue.record("unexpected error \(error) for \(text)")
            }
        }
        #expect(parsed > 0)
    }
}

@Suite("JSON text")
struct JSONValueTests {
    @Test("object keys are sorted and output is compact")
    func sortedKeys() {
        let v = JSONValue.object([
            "b": .int(1), "a": .array([.null, .bool(true), .bool(false)]), "C": .object(["z": .string("y"), "x": .object([:])]),
            "aa": .array([]),
        ])
        #expect(v.text == #"{"C":{"x":{},"z":"y"},"a":[null,true,false],"aa":[],"b":1}"#)
    }

    @Test("numbers are written as Go writes float64")
    func numbers() {
        #expect(JSONValue.double(1).text == "1")
        #expect(JSONValue.double(-3).text == "-3")
        #expect(JSONValue.double(1_000_000).text == "1000000")
        #expect(JSONValue.double(2.5).text == "2.5")
        #expect(JSONValue.double(0.1 + 0.2).text == "0.30000000000000004")
        #expect(JSONValue.double(1e21).text == "1e+21")
        // Go's strconv 'f' with precision -1 writes the shortest round-trip digits, then zeros.
        #expect(JSONValue.double(4_611_686_018_427_387_904).text == "4611686018427388000")
        #expect(JSONValue.double(.nan).text == "null")
        #expect(JSONValue.double(.infinity).text == "null")
        #expect(JSONValue.int(.min).text == "-9223372036854775808")
        #expect(JSONValue.int(.max).text == "9223372036854775807")
    }

    @Test("small numbers use Go's notation")
    func smallNumbers() {
        #expect(JSONValue.formatNumber(0.00001) == "0.00001")
        #expect(JSONValue.formatNumber(1e-7) == "1e-7")
    }

    @Test("integral doubles between 2^63 and 1e21 are written without trapping")
    func hugeIntegralDouble() throws {
        // What Go writes for these values; the parser yields such doubles for big integers.
        #expect(JSONValue.double(1e20).text == "100000000000000000000")
        #expect(try JSONParser.parse("18446744073709551616").text == "18446744073709552000")
    }

    @Test("<, > and & are escaped as Go's encoding/json does, and so are control characters")
    func escaping() {
        #expect(JSONValue.string("<a href=\"x\">&amp;</a>").text == #""\u003ca href=\"x\"\u003e\u0026amp;\u003c/a\u003e""#)
        #expect(JSONValue.string("a\\b\n\r\t").text == #""a\\b\n\r\t""#)
        #expect(JSONValue.string("\u{0}\u{1}\u{1F}").text == #""\u0000\u0001\u001f""#)
        #expect(JSONValue.string("\u{2028}\u{2029}").text == #""\u2028\u2029""#)
        #expect(JSONValue.string("é😀\u{7F}").text == "\"é😀\u{7F}\"")
        #expect(JSONValue.object(["<k>": .string("v")]).text == #"{"\u003ck\u003e":"v"}"#)
    }

    @Test("text parses back to the same value (for values without doubles)")
    func roundTrip() throws {
        let v = JSONValue.object([
            "NodeID": .string("a<b>&c \"q\" \\ \n\t\u{1} é 😀 \u{2028}"),
            "Connections": .array([.object(["NodeID": .string("b"), "Cost": .int(1)])]),
            "Empty": .object([:]),
            "Nothing": .null,
            "Flags": .array([.bool(true), .bool(false)]),
            "Numbers": .array([.int(0), .int(-1), .int(.max), .int(.min)]),
        ])
        #expect(try JSONParser.parse(v.text) == v)
    }

    @Test("stringValue")
    func stringValue() {
        #expect(JSONValue.string("x").stringValue == "x")
        #expect(JSONValue.int(1).stringValue == nil)
        #expect(JSONValue.null.stringValue == nil)
    }
}

/// Regressions found by the fuzz harnesses (Fuzz/Reproducers/).
@Suite("JSON found by fuzzing")
struct JSONFuzzRegressionTests {
    @Test("numbers out of Double's range are refused, not read as infinity", arguments: ["1e330", "1e400", "-1e309", #"{"ttl":1e999}"#])
    func outOfRange(_ text: String) {
        #expect(throws: (any Error).self) { try JSONParser.parse(text) }
    }

    @Test("the largest finite numbers still parse and print back")
    func largestFinite() throws {
        let value = try JSONParser.parse("1.7976931348623157e308")
        #expect(value == .double(1.7976931348623157e308))
        #expect(try JSONParser.parse(value.text) == value)
    }
}
