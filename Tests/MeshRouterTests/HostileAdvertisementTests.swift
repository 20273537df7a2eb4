import MeshProtocol
import MeshRouter
import Testing

/// Advertisements a hostile or broken member floods: absurd values are dropped (never stored,
/// never flooded on), and one in our own name can never move our sequence to where it cannot go on.
@Suite("Hostile advertisements")
struct HostileAdvertisementTests {
    @Test("A memory of ours with sequence 2^64-1 is not adopted; we go on numbering")
    func ownOriginAtTheTop() {
        var router = quietRouter(links: ["B": 1])
        let before = router.sequence
        for sequence in [UInt64.max, RoutingAdvertisement.maximumSequence, RoutingAdvertisement.maximumAdoptedSequence + 1] {
            let forged = advert("A", sequence, instance: 99, originTimeMillis: testStartMillis - 1)
            // Above 2^62 it is absurd and rejected; below, the own-origin cap leaves it unused.
            let actions = router.receive(forged, from: "B", now: ms(30), wallClockMillis: testStartMillis)
            #expect(actions.isEmpty || actions.onlyRejections)
            #expect(router.sequence == before)
        }
        // Our own instance's number too (an "echo" from the future).
        let echo = advert("A", UInt64.max - 1, instance: 1, originTimeMillis: testStartMillis - 1)
        #expect(router.receive(echo, from: "B", now: ms(31), wallClockMillis: testStartMillis).onlyRejections)
        #expect(router.sequence == before)
        // Local changes still advertise with the next sequence.
        _ = router.linkUp("C", cost: 1, now: ms(40), wallClockMillis: testStartMillis)
        let sent = router.tick(now: ms(80), wallClockMillis: testStartMillis).sends.first?.ads.first
        #expect(sent?.sequence == before + 1)
    }

    @Test("The highest memory we adopt still leaves room to go on")
    func adoptionCeiling() {
        var router = quietRouter(links: ["B": 1])
        let memory = advert("A", RoutingAdvertisement.maximumAdoptedSequence, instance: 99, originTimeMillis: testStartMillis - 1)
        _ = router.receive(memory, from: "B", now: ms(30), wallClockMillis: testStartMillis)
        #expect(router.sequence == RoutingAdvertisement.maximumAdoptedSequence)
        let sent = router.tick(now: ms(80), wallClockMillis: testStartMillis).sends.first?.ads.first
        #expect(sent?.sequence == RoutingAdvertisement.maximumAdoptedSequence + 1)
        #expect(sent?.absurdity == nil)
    }

    @Test(
        "Absurd values are dropped and not flooded on",
        arguments: [
            advert("X", UInt64.max, links: ["B": 1]),
            advert("X", RoutingAdvertisement.maximumSequence + 1, links: ["B": 1]),
            advert("X", 5, links: ["B": 1], originTimeMillis: Int64.min),
            advert("X", 5, links: ["B": 1], originTimeMillis: -1),
            advert("X", 5, links: ["B": 1], originTimeMillis: Int64.max),
            advert("X", 5, links: ["B": 1], lifetimeMillis: 0),
            advert("X", 5, links: ["B": 1], lifetimeMillis: UInt32.max),
            advert("X", 5, links: ["B": 1e300]),
            advert("X", 5, links: ["B": -1]),
            advert("X", 5, links: ["B": .infinity]),
            advert("X", 5, links: ["B": .nan]),
            advert("X", 5, links: ["X": 1]),
            advert("EVIL\u{0}F", 5, links: ["B": 1]),
            advert("X", 5, links: ["B\u{7}": 1]),
            advert(String(repeating: "n", count: 256), 5, links: ["B": 1]),
            advert("X", 5, links: ["B": 1], services: [ServiceAdvertisement(name: "a\nb", connType: .stream)]),
        ]
    )
    func absurd(_ ad: RoutingAdvertisement) {
        #expect(ad.absurdity != nil)
        var router = quietRouter(links: ["B": 1, "C": 1])
        #expect(router.receive(ad, from: "B", now: ms(30), wallClockMillis: testStartMillis).onlyRejections)
        #expect(router.nodeRecord(ad.origin) == nil)
    }

    @Test("Plausible extremes are accepted")
    func plausible() {
        let ad = advert(
            String(repeating: "n", count: 255),
            RoutingAdvertisement.maximumSequence,
            links: ["B": RoutingAdvertisement.maximumLinkCost],
            lifetimeMillis: RoutingAdvertisement.maximumLifetimeMillis,
            originTimeMillis: RoutingAdvertisement.maximumOriginTimeMillis
        )
        #expect(ad.absurdity == nil)
        var router = quietRouter(links: ["B": 1, "C": 1])
        #expect(router.receive(ad, from: "B", now: ms(30), wallClockMillis: testStartMillis).sends.first?.to == ["C"])
    }

    @Test("Our own advertisement stays within what receivers accept, whatever the clock says")
    func ownClamped() {
        var router = quietRouter(links: ["B": 1], configuration: RouterConfiguration(lifetime: .seconds(86_400 * 30)))
        _ = router.linkUp("C", cost: 1, now: ms(40), wallClockMillis: -5)
        let sent = router.tick(now: ms(80), wallClockMillis: Int64.min).sends.first?.ads.first
        #expect(sent != nil)
        #expect(sent?.absurdity == nil)
    }
}
