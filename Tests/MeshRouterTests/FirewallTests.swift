import MeshProtocol
import Testing

@testable import MeshRouter

@Suite("Firewall")
struct FirewallTests {
    @Test("first matching rule decides; no rule or no match accepts")
    func order() throws {
        let fw = try Firewall(rules: [
            ["action": "reject", "tonode": "awx-1", "toservice": "control"],
            ["action": "DROP", "fromnode": "/bad-.*/"],
            ["action": "accept", "fromnode": "bad-but-allowed"],
        ])
        #expect(fw.decide(fromNode: "x", fromService: "s", toNode: "awx-1", toService: "control") == .reject)
        #expect(fw.decide(fromNode: "x", fromService: "s", toNode: "awx-1", toService: "other") == .accept)
        #expect(fw.decide(fromNode: "bad-1", fromService: "s", toNode: "y", toService: "z") == .drop)
        // The drop rule comes first, so the later accept never wins for a regex match.
        #expect(fw.decide(fromNode: "bad-but-allowed", fromService: "s", toNode: "y", toService: "z") == .drop)
        #expect(try Firewall(rules: []).decide(fromNode: "a", fromService: "b", toNode: "c", toService: "d") == .accept)
        #expect(try Firewall(rules: [["action": "drop"]]).decide(fromNode: "a", fromService: "b", toNode: "c", toService: "d") == .drop)
    }

    @Test("regexes are anchored whole matches and may be case-insensitive")
    func regex() throws {
        let fw = try Firewall(rules: [["action": "drop", "toservice": "/(?i)ctl[0-9]/"]])
        #expect(fw.decide(fromNode: "a", fromService: "b", toNode: "c", toService: "CTL7") == .drop)
        #expect(fw.decide(fromNode: "a", fromService: "b", toNode: "c", toService: "xctl7") == .accept)
        #expect(fw.decide(fromNode: "a", fromService: "b", toNode: "c", toService: "ctl77") == .accept)
    }

    @Test("a regex that does not compile is an error, not a wider rule")
    func badRegex() {
        #expect(throws: Firewall.RuleError.self) { try Firewall(rules: [["action": "drop", "fromnode": "/(unclosed/"]]) }
        #expect(throws: Firewall.RuleError.self) { try Firewall(rules: [["action": "maybe"]]) }
    }
}

@Suite("Source check")
struct SourceCheckTests {
    /// The router of `me` after receiving the advertisements of a small mesh.
    static func router(_ me: String, links: [String: Double], ads: [String: [String: Double]]) -> LinkStateRouter {
        var r = LinkStateRouter(localNode: me, instance: 1, initialSequence: 1, startTimeMillis: 0)
        for (n, c) in links { _ = r.linkUp(n, cost: c, now: .zero, wallClockMillis: 0) }
        for (origin, l) in ads {
            _ = r.receive(
                RoutingAdvertisement(origin: origin, sequence: 10, instance: 7, links: l),
                from: links.keys.sorted().first!,
                now: .zero,
                wallClockMillis: 0
            )
        }
        return r
    }

    @Test("a message may come from its source, or from a neighbour on a shortest path from it")
    func plausible() {
        // Square a - b - d - c - a, all cost 1, plus d - e. We are a.
        var r = Self.router(
            "a",
            links: ["b": 1, "c": 1],
            ads: ["b": ["a": 1, "d": 1], "c": ["a": 1, "d": 1], "d": ["b": 1, "c": 1, "e": 1], "e": ["d": 1]]
        )
        #expect(check(&r, "b", "b"))
        #expect(!check(&r, "b", "c"))  // c is not on b's shortest path to us
        #expect(check(&r, "d", "b"))  // equal-cost paths: both neighbours are fine
        #expect(check(&r, "d", "c"))
        #expect(check(&r, "e", "c"))
        #expect(!check(&r, "a", "b"))  // nobody speaks in our name
        #expect(!check(&r, "zz", "b"))  // unknown source
        #expect(!check(&r, "b", "x"))  // not a neighbour
    }

    @Test("a cheaper detour makes the direct neighbour implausible for a remote source")
    func costs() {
        // a - b cost 10, a - c 1, c - b 1: b's traffic to us goes through c.
        var r = Self.router("a", links: ["b": 10, "c": 1], ads: ["b": ["a": 10, "c": 1], "c": ["a": 1, "b": 1]])
        #expect(check(&r, "b", "b"))  // the source itself, on its own link
        #expect(check(&r, "c", "c"))
        #expect(!check(&r, "c", "b"))  // b forging c's messages
    }
}

/// Asks the router outside the `#expect` macro (the check is mutating: it caches paths).
private func check(_ r: inout LinkStateRouter, _ source: String, _ neighbour: String) -> Bool {
    r.isPlausibleSource(source, from: neighbour)
}
