import MeshProtocol
import MeshRouter
import Testing

@Suite("Caps and malformed input")
struct CapsTests {
    @Test("No more origins are stored than the cap (ours included); the rest are not flooded")
    func originCap() {
        var router = quietRouter(links: ["B": 1, "C": 1], configuration: .init(maxOrigins: 5))
        var flooded = 0
        for index in 0..<10 {
            let actions = router.receive(advert("X\(index)", 1), from: "B", now: ms(100), wallClockMillis: 0)
            flooded += actions.sends.count
        }
        #expect(router.advertisements.count == 5)
        #expect(flooded == 4)
        // Updates of stored origins still pass.
        #expect(router.receive(advert("X0", 2), from: "B", now: ms(200), wallClockMillis: 0).sends.count == 1)
        // After one ages out there is room again.
        _ = router.receive(advert("X1", 2, lifetimeMillis: 1_000), from: "B", now: ms(300), wallClockMillis: 0)
        _ = router.tick(now: .seconds(2), wallClockMillis: 0)
        #expect(router.receive(advert("X9", 1), from: "B", now: .seconds(2), wallClockMillis: 0).sends.count == 1)
        #expect(router.advertisements.count == 5)
    }

    @Test("Advertisements with too many links or services are ignored")
    func perAdvertisementCaps() {
        var router = quietRouter(
            links: ["B": 1],
            configuration: .init(maxLinksPerAdvertisement: 3, maxServicesPerAdvertisement: 2)
        )
        let links = Dictionary(uniqueKeysWithValues: (0..<4).map { ("L\($0)", 1.0) })
        #expect(router.receive(advert("X", 1, links: links), from: "B", now: ms(100), wallClockMillis: 0).onlyRejections)
        let services = (0..<3).map { ServiceAdvertisement(name: "s\($0)", connType: .stream) }
        #expect(router.receive(advert("Y", 1, services: services), from: "B", now: ms(100), wallClockMillis: 0).onlyRejections)
        #expect(router.advertisements.count == 1)
        #expect(!router.receive(advert("X", 1, links: ["L0": 1, "L1": 1, "L2": 1]), from: "B", now: ms(100), wallClockMillis: 0).isEmpty)

        // Our own links are capped the same way.
        for neighbour in ["C", "D", "E"] {
            _ = router.linkUp(neighbour, cost: 1, now: ms(200), wallClockMillis: 0)
        }
        #expect(router.neighbours.keys.sorted() == ["B", "C", "D"])
    }

    @Test("Malformed advertisements are ignored")
    func malformed() {
        var router = quietRouter(links: ["B": 1])
        for cost in [0, -2, .nan, .infinity] as [Double] {
            #expect(router.receive(advert("X", 1, links: ["B": cost]), from: "B", now: ms(100), wallClockMillis: 0).onlyRejections)
        }
        #expect(router.receive(advert("X", 1, lifetimeMillis: 0), from: "B", now: ms(100), wallClockMillis: 0).onlyRejections)
        #expect(router.receive(advert("", 1), from: "B", now: ms(100), wallClockMillis: 0).onlyRejections)
        #expect(router.advertisements.count == 1)
    }

    @Test("Sequence numbers at the top of the range are refused, not adopted")
    func saturation() {
        var router = quietRouter(links: ["B": 1])
        _ = router.receive(advert("A", .max, instance: 1), from: "B", now: ms(100), wallClockMillis: 0)
        #expect(router.sequence == 2)
        _ = router.tick(now: ms(200), wallClockMillis: 0)
        #expect(router.sequence < RoutingAdvertisement.maximumAdoptedSequence)
        _ = router.receive(advert("X", .max), from: "B", now: ms(300), wallClockMillis: 0)
        #expect(router.receive(advert("X", .max), from: "B", now: ms(300), wallClockMillis: 0).onlyRejections)
    }
}
