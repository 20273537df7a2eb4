import Testing

@testable import WorkUnits

@Suite struct UnitIDTests {
    @Test(arguments: ["a", "Z", "0", "abcDEF12", "0123456789", String(repeating: "x", count: 64)])
    func acceptsAlphanumericIDs(_ id: String) {
        #expect(UnitID.isValid(id))
    }

    @Test(arguments: [
        "", ".", "..", "../x", "..%2f", "a/b", "/etc", "a b", " a", "a\n", "a\0b", "a-b", "a_b", "a.b",
        "\u{e9}t\u{e9}", "\u{FF21}", "ab\u{301}", String(repeating: "x", count: 65),
    ])
    func rejectsEverythingElse(_ id: String) {
        #expect(!UnitID.isValid(id))
    }

    @Test func generatedIDsAreEightAlphanumericsAndVary() {
        var seen = Set<String>()
        for _ in 0..<1_000 {
            let id = UnitID.generate()
            #expect(id.utf8.count == 8)
            #expect(UnitID.isValid(id))
            seen.insert(id)
        }
        #expect(seen.count == 1_000)
    }
}
