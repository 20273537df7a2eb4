import Foundation
import Testing

@testable import WorkUnits

@Suite struct WorkJSONTests {
    @Test func serializesCompactSortedAndGoEscaped() {
        let value = WorkJSON.object([
            "b": .array([.int(1), .double(2.5), .double(3), .null, .bool(true), .bool(false)]),
            "a": .string("<tag> & \"q\" \\ \n\t\u{1}\u{2028}é"),
            "C": .object([:]),
        ])
        #expect(
            value.serialized()
                == #"{"C":{},"a":"\u003ctag\u003e \u0026 \"q\" \\ \n\t\u0001\u2028é","b":[1,2.5,3,null,true,false]}"#
        )
    }

    @Test(arguments: [
        ("plain", #""plain""#), ("caf\u{e9} \u{1F600}", "\"caf\u{e9} \u{1F600}\""), ("a\u{2028}", #""a\u2028""#),
        ("\u{2029}", #""\u2029""#), ("\u{2027}\u{202A}", "\"\u{2027}\u{202A}\""), ("x\u{7F}", "\"x\u{7F}\""),
        ("<", #""\u003c""#), ("\u{1F}", #""\u001f""#), ("", #""""#),
    ])
    func stringsNeedingNoEscapesAreWrittenAsIs(_ value: String, _ expected: String) {
        #expect(WorkJSON.string(value).serialized() == expected)
    }

    @Test func parsesEveryKind() throws {
        let text = #"{"i":-42,"d":1.5,"big":1e30,"s":"x\u00e9","n":null,"t":true,"a":[{}],"o":{"k":"v"}}"#
        let value = try WorkJSON.parse(Data(text.utf8))
        #expect(value["i"] == .int(-42))
        #expect(value["d"] == .double(1.5))
        #expect(value["big"] == .double(1e30))
        #expect(value["s"] == .string("x\u{e9}"))
        #expect(value["n"] == .null)
        #expect(value["t"] == .bool(true))
        #expect(value["a"] == .array([.object([:])]))
        #expect(value["o"]?["k"]?.stringValue == "v")
    }

    @Test func roundTripsThroughItsOwnText() throws {
        let value = WorkJSON.object(["x": .array([.string("\u{0}<>&"), .int(Int64.min), .double(-0.25)])])
        #expect(try WorkJSON.parse(value.serializedData()) == value)
    }

    @Test(arguments: ["", "{", "[1 2]", "{\"a\" 1}", "nul", "\"open"])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: (any Error).self) { try WorkJSON.parse(Data(text.utf8)) }
    }
}
