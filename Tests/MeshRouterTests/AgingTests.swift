import MeshProtocol
@testable import MeshRouter
import Testing

@Suite("Aging")
struct AgingTests {
    @Test("An advertisement is dropped when its lifetime runs out, measured from our receive time")
    func expiry() {
        var router = quietRouter()
        let x = advert("X", 1, originTimeMillis: 0)  // the sender's clock plays no part
        _ = router.receive(x, from: "B", now: .seconds(1), wallClockMillis: testStartMillis)
        #expect(router.nextTimerDeadline() == .seconds(121))
        #expect(router.tick(now: .seconds(121) - ms(1), wallClockMillis: testStartMillis).isEmpty)
        #expect(router.nodeRecord("X") != nil)
        #expect(router.tick(now: .seconds(121), wallClockMillis: testStartMillis) == [.routesChanged])
        #expect(router.nodeRecord("X") == nil)
        #expect(router.knownConnectionCosts["X"] == nil)
        #expect(router.nextTimerDeadline() == nil)
    }

    @Test("Expiry updates the cached routing table")
    func expiryInvalidatesRoutes() {
        var router = quietRouter(links: ["B": 1])
        _ = router.receive(advert("B", 1, links: ["A": 1, "C": 1]), from: "B", now: .seconds(1), wallClockMillis: 0)
        _ = router.receive(advert("C", 1, links: ["B": 1], lifetimeMillis: 10_000), from: "B", now: .seconds(1), wallClockMillis: 0)
        #expect(router.routingTable == ["B": "B", "C": "B"])
        #expect(router.isReachable("C"))
        #expect(router.tick(now: .seconds(11), wallClockMillis: 0) == [.routesChanged])
        #expect(!router.isReachable("C"))
        #expect(router.routingTable == ["B": "B"])
        #expect(router.pathCosts == ["B": 1])
    }

    @Test("The lifetime is the originator's")
    func originatorsLifetime() {
        var router = quietRouter()
        _ = router.receive(advert("X", 1, lifetimeMillis: 5_000), from: "B", now: .seconds(1), wallClockMillis: 0)
        #expect(router.nextTimerDeadline() == .seconds(6))
    }

    @Test("A newer advertisement restarts the lifetime; the superseded deadline causes no wake-up")
    func refreshPostpones() {
        var router = quietRouter()
        _ = router.receive(advert("X", 1), from: "B", now: .zero, wallClockMillis: 0)
        _ = router.receive(advert("X", 2), from: "B", now: .seconds(60), wallClockMillis: 0)
        #expect(router.nextTimerDeadline() == .seconds(180))
        #expect(router.tick(now: .seconds(120), wallClockMillis: 0).isEmpty)
        #expect(router.nodeRecord("X")?.sequence == 2)
        #expect(router.tick(now: .seconds(180), wallClockMillis: 0) == [.routesChanged])
        #expect(router.advertisements.map(\.origin) == ["A"])
    }

    @Test("Several advertisements expiring together produce one routes change")
    func batchExpiry() {
        var router = quietRouter()
        for origin in ["X", "Y", "Z"] {
            _ = router.receive(advert(origin, 1), from: "B", now: .seconds(1), wallClockMillis: 0)
        }
        #expect(router.tick(now: .seconds(500), wallClockMillis: 0) == [.routesChanged])
        #expect(router.advertisements.count == 1)
    }

    @Test("Our own advertisement never expires locally")
    func ownNeverExpires() {
        var router = quietRouter(links: ["B": 1])
        var now = ms(20)
        for _ in 0..<20 {
            now += .seconds(30)
            _ = router.tick(now: now, wallClockMillis: 0)
        }
        #expect(router.nodeRecord("A")?.links == ["B": 1])
        _ = router.linkDown("B", now: now, wallClockMillis: 0)
        _ = router.tick(now: now + .seconds(1), wallClockMillis: 0)
        _ = router.tick(now: now + .seconds(10_000), wallClockMillis: 0)
        #expect(router.nodeRecord("A") != nil)
    }

    @Test("A record passed around cannot outlive its origin's last refresh")
    func noZombies() throws {
        // B holds X; A learned it from B and passes it back after B forgot it.
        var a = quietRouter("A", links: ["B": 1])
        var b = quietRouter("B", links: ["A": 1])
        _ = b.receive(advert("X", 1), from: "X", now: .zero, wallClockMillis: 0)
        let flood = b.receive(advert("X", 1), from: "X", now: .zero, wallClockMillis: 0)
        #expect(flood.isEmpty)
        _ = a.receive(advert("X", 1), from: "B", now: .seconds(10), wallClockMillis: 0)  // arrived late
        _ = b.tick(now: .seconds(120), wallClockMillis: 0)
        #expect(b.nodeRecord("X") == nil)
        // The A-B link flaps: A's full state hands X back to B with only A's remaining lifetime.
        let exchange = a.linkUp("B", cost: 1, now: .seconds(125), wallClockMillis: 0)
        let copy = try #require(exchange.sends.first?.ads.first { $0.origin == "X" })
        #expect(copy.lifetimeMillis == 5_000)
        _ = b.receive(copy, from: "A", now: .seconds(125), wallClockMillis: 0)
        #expect(b.nextTimerDeadline().map { $0 <= .seconds(130) } == true)
        _ = a.tick(now: .seconds(130), wallClockMillis: 0)
        _ = b.tick(now: .seconds(130), wallClockMillis: 0)
        #expect(a.nodeRecord("X") == nil)
        #expect(b.nodeRecord("X") == nil)
        // Nothing left to hand out.
        #expect(a.linkUp("B", cost: 1, now: .seconds(130), wallClockMillis: 0).sends.allSatisfy { $0.ads.allSatisfy { $0.origin != "X" } })
    }

    @Test("The expiry queue stays proportional to the store however fast sequences change")
    func expiryQueueBounded() {
        var router = quietRouter()
        for sequence in 1...10_000 as ClosedRange<UInt64> {
            _ = router.receive(advert("X", sequence), from: "B", now: ms(Int64(sequence)), wallClockMillis: 0)
        }
        #expect(router.expiries.count <= 2 * router.store.count + 65)
        #expect(router.nextTimerDeadline() == ms(10_000) + .seconds(120))
    }
}
