import MeshProtocol
import MeshRouter
import Testing

@Suite("Shortest paths, two-way check and tie-breaking")
struct ShortestPathsTests {
    /// Router "A" with the given live links, fed the given advertisements.
    func router(links: [String: Double], ads: [RoutingAdvertisement]) -> LinkStateRouter {
        var router = quietRouter(links: links)
        for ad in ads {
            _ = router.receive(ad, from: links.keys.sorted().first ?? "B", now: ms(100), wallClockMillis: testStartMillis)
        }
        return router
    }

    @Test("Chain: every destination goes through the only neighbour, costs add up")
    func chain() {
        var router = router(
            links: ["B": 1],
            ads: [
                advert("B", 1, links: ["A": 1, "C": 2]),
                advert("C", 1, links: ["B": 2, "D": 3]),
                advert("D", 1, links: ["C": 3]),
            ]
        )
        #expect(router.routingTable == ["B": "B", "C": "B", "D": "B"])
        #expect(router.pathCosts == ["B": 1, "C": 3, "D": 6])
        #expect(router.isReachable("D"))
        #expect(!router.routingTable.keys.contains("A"))
    }

    @Test("Diamond: equal costs break toward the smaller first hop; a cheaper side wins")
    func diamond() {
        var router = router(
            links: ["B": 1, "C": 1],
            ads: [
                advert("B", 1, links: ["A": 1, "D": 1]),
                advert("C", 1, links: ["A": 1, "D": 1]),
                advert("D", 1, links: ["B": 1, "C": 1]),
            ]
        )
        #expect(router.routingTable["D"] == "B")
        #expect(router.pathCosts["D"] == 2)

        // The cost of an edge is what its origin advertises.
        _ = router.receive(advert("B", 2, links: ["A": 1, "D": 5]), from: "B", now: ms(200), wallClockMillis: testStartMillis)
        #expect(router.routingTable["D"] == "C")
        #expect(router.pathCosts["D"] == 2)
    }

    @Test("An indirect path cheaper than the direct link wins")
    func cheaperIndirect() {
        var router = router(
            links: ["B": 1, "C": 10],
            ads: [
                advert("B", 1, links: ["A": 1, "C": 1]),
                advert("C", 1, links: ["A": 10, "B": 1]),
            ]
        )
        #expect(router.routingTable == ["B": "B", "C": "B"])
        #expect(router.pathCosts == ["B": 1, "C": 2])
    }

    @Test("An edge is used only when both ends list each other")
    func twoWayCheck() {
        var router = router(
            links: ["B": 1],
            ads: [
                advert("B", 1, links: ["A": 1]),
                advert("C", 1, links: ["B": 1]),  // C claims B; B does not list C
            ]
        )
        #expect(!router.isReachable("C"))
        #expect(router.routingTable == ["B": "B"])
        _ = router.receive(advert("B", 2, links: ["A": 1, "C": 1]), from: "B", now: ms(200), wallClockMillis: testStartMillis)
        #expect(router.routingTable == ["B": "B", "C": "B"])
        // Listing us is not enough for a node we have no live link to.
        _ = router.receive(advert("E", 1, links: ["A": 1, "B": 1]), from: "B", now: ms(300), wallClockMillis: testStartMillis)
        #expect(!router.isReachable("E"))
    }

    @Test("Edges from us use the live link set: a new neighbour is reachable before its advertisement arrives")
    func liveLinks() {
        var router = quietRouter(links: ["B": 1])
        #expect(router.routingTable == ["B": "B"])
        _ = router.receive(advert("B", 1, links: ["A": 1, "C": 1]), from: "B", now: ms(100), wallClockMillis: testStartMillis)
        _ = router.receive(advert("C", 1, links: ["B": 1]), from: "B", now: ms(100), wallClockMillis: testStartMillis)
        #expect(router.routingTable == ["B": "B", "C": "B"])
        _ = router.linkDown("B", now: ms(200), wallClockMillis: testStartMillis)
        #expect(router.routingTable.isEmpty)  // at once, before any advertisement
        #expect(router.pathCosts.isEmpty)
        #expect(router.nodeRecord("C") != nil)  // still stored until it ages out
    }

    @Test("Known connection costs list every stored origin as advertised, and our live links")
    func knownCosts() {
        var router = router(
            links: ["B": 2],
            ads: [advert("B", 1, links: ["A": 2, "C": 1]), advert("Z", 1)]
        )
        #expect(router.knownConnectionCosts == ["A": ["B": 2], "B": ["A": 2, "C": 1], "Z": [:]])
        #expect(router.advertisements.map(\.origin) == ["A", "B", "Z"])
        #expect(router.shortestPaths == ShortestPaths(nextHops: ["B": "B"], costs: ["B": 2]))
    }

    @Test("Self-links and links to unknown nodes are ignored")
    func oddLinks() {
        var router = router(
            links: ["B": 1],
            ads: [advert("B", 1, links: ["A": 1, "B": 1, "ghost": 1])]
        )
        #expect(router.routingTable == ["B": "B"])
    }
}

/// How a runtime holds the router: a reference type with the router in a stored `var`, so the
/// cached table can be read from non-mutating members (per forwarded packet).
private final class RouterOwner {
    var router = quietRouter(links: ["B": 1])

    func nextHop(to node: String) -> String? { router.routingTable[node] }
}

@Test("A class owning the router reads the cached routing table from non-mutating members")
func routerInAClass() {
    let owner = RouterOwner()
    #expect(owner.nextHop(to: "B") == "B")
    _ = owner.router.receive(advert("B", 1, links: ["A": 1, "C": 1]), from: "B", now: ms(100), wallClockMillis: 0)
    _ = owner.router.receive(advert("C", 1, links: ["B": 1]), from: "B", now: ms(100), wallClockMillis: 0)
    #expect(owner.nextHop(to: "C") == "B")
    #expect(owner.router.isReachable("C"))
}
