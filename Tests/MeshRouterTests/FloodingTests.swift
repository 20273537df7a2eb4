import MeshProtocol
import MeshRouter
import Testing

@Suite("Flooding and sequence rules")
struct FloodingTests {
    @Test("A newer advertisement is stored and flooded to every other up neighbour")
    func newerIsStoredAndFlooded() {
        var router = quietRouter(links: ["B": 1, "C": 1, "D": 1])
        let x = advert("X", 5, links: ["B": 1])
        let actions = router.receive(x, from: "B", now: ms(100), wallClockMillis: testStartMillis)
        #expect(actions == [.send([x], to: ["C", "D"]), .routesChanged])
        #expect(router.nodeRecord("X") == x)
    }

    @Test("An equal sequence is dropped silently")
    func equalIsDropped() {
        var router = quietRouter(links: ["B": 1, "C": 1])
        let x = advert("X", 5)
        _ = router.receive(x, from: "B", now: ms(100), wallClockMillis: testStartMillis)
        #expect(router.receive(x, from: "C", now: ms(110), wallClockMillis: testStartMillis).isEmpty)
        // Even with different content: sequence decides.
        let other = advert("X", 5, links: ["Q": 3])
        #expect(router.receive(other, from: "C", now: ms(120), wallClockMillis: testStartMillis).isEmpty)
        #expect(router.nodeRecord("X") == x)
    }

    @Test("An older sequence is dropped and our newer copy goes back, with its remaining lifetime")
    func olderIsAnswered() {
        var router = quietRouter(links: ["B": 1, "C": 1])
        let x = advert("X", 5)
        _ = router.receive(x, from: "B", now: .seconds(10), wallClockMillis: testStartMillis)
        let actions = router.receive(advert("X", 3), from: "C", now: .seconds(30), wallClockMillis: testStartMillis)
        var expected = x
        expected.lifetimeMillis = 100_000
        #expect(actions == [.send([expected], to: ["C"])])
        #expect(router.nodeRecord("X") == x)
    }

    @Test("A refresh with unchanged content floods but does not change routes")
    func refreshDoesNotChangeRoutes() {
        var router = quietRouter(links: ["B": 1, "C": 1])
        _ = router.receive(advert("X", 5, links: ["B": 1]), from: "B", now: ms(100), wallClockMillis: testStartMillis)
        let refresh = advert("X", 6, links: ["B": 1])
        let actions = router.receive(refresh, from: "B", now: ms(200), wallClockMillis: testStartMillis)
        // Flooded on as a refresh: the runtime may hold it for the link's next heartbeat.
        #expect(actions == [.refresh([refresh], to: ["C"])])
        let changed = advert("X", 7, links: ["B": 1], services: [.init(name: "control", connType: .streamTLS)])
        #expect(router.receive(changed, from: "C", now: ms(300), wallClockMillis: testStartMillis).containsRoutesChanged)
    }

    @Test("At a node that is not the origin, another instance of an origin simply follows sequence order")
    func otherInstanceFollowsSequence() {
        var router = quietRouter(links: ["B": 1])
        _ = router.receive(advert("X", 5, instance: 1), from: "B", now: ms(100), wallClockMillis: testStartMillis)
        let older = router.receive(advert("X", 4, instance: 2), from: "B", now: ms(200), wallClockMillis: testStartMillis)
        #expect(older.sends.map(\.ads.first?.instance) == [1])
        let newer = advert("X", 6, instance: 2)
        _ = router.receive(newer, from: "B", now: ms(300), wallClockMillis: testStartMillis)
        #expect(router.nodeRecord("X") == newer)
        // At equal sequences the higher instance wins, so both processes of a duplicated ID are
        // seen by the mesh in the same order.
        let tie = advert("X", 6, instance: 3)
        #expect(router.receive(tie, from: "B", now: ms(400), wallClockMillis: testStartMillis).containsRoutesChanged == false)
        #expect(router.nodeRecord("X") == tie)
        #expect(router.receive(newer, from: "B", now: ms(500), wallClockMillis: testStartMillis).sends.first?.ads.first?.instance == 3)
    }

    @Test("An advertisement from a neighbour that is not up is stored and flooded to all up neighbours")
    func fromUnknownNeighbour() {
        var router = quietRouter(links: ["B": 1])
        let x = advert("X", 1)
        #expect(router.receive(x, from: "Z", now: ms(100), wallClockMillis: testStartMillis) == [.send([x], to: ["B"]), .routesChanged])
        // An older copy from it gets no answer: there is no link to send on.
        #expect(router.receive(advert("X", 0), from: "Z", now: ms(100), wallClockMillis: testStartMillis).isEmpty)
    }
}
