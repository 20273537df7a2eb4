import MeshProtocol
import MeshRouter
import Testing

@Suite("Advertisements naming us as origin")
struct OwnOriginTests {
    @Test("An echo of our own advertisement is ignored")
    func echo() {
        var router = quietRouter(links: ["B": 1])
        let own = router.nodeRecord("A")!
        #expect(router.receive(own, from: "B", now: ms(30), wallClockMillis: testStartMillis).isEmpty)
        #expect(router.nodeRecord("A") == own)
    }

    @Test("An older copy of ours is answered with the current one")
    func olderOwn() {
        var router = quietRouter(links: ["B": 1])
        let own = router.nodeRecord("A")!
        var old = own
        old.sequence -= 1
        #expect(router.receive(old, from: "B", now: ms(30), wallClockMillis: testStartMillis) == [.send([own], to: ["B"])])
    }

    @Test("A newer one of our own instance makes us jump past it")
    func sameInstanceJump() {
        var router = quietRouter(links: ["B": 1])
        let echoed = advert("A", 50, instance: 1, originTimeMillis: testStartMillis - 5)
        #expect(router.receive(echoed, from: "B", now: ms(30), wallClockMillis: testStartMillis).isEmpty)
        #expect(router.sequence == 50)
        let actions = router.tick(now: ms(50), wallClockMillis: testStartMillis)
        #expect(actions.sends.first?.ads.first?.sequence == 51)
        #expect(router.nodeRecord("A")?.links == ["B": 1])
    }

    @Test("A memory of an earlier run (another instance, made before we started) is outnumbered, not reported")
    func earlierRun() {
        var router = quietRouter(links: ["B": 1])
        let memory = advert("A", 40, instance: 99, links: ["Q": 1], originTimeMillis: testStartMillis - 1)
        #expect(router.receive(memory, from: "B", now: ms(30), wallClockMillis: testStartMillis).isEmpty)
        #expect(router.sequence == 40)
        let actions = router.tick(now: ms(50), wallClockMillis: testStartMillis)
        #expect(actions.sends.first?.ads.first?.sequence == 41)
        #expect(actions.sends.first?.ads.first?.instance == 1)
        #expect(router.knownConnectionCosts["A"] == ["B": 1])
        // The same memory again (another neighbour's copy) is older now.
        #expect(router.receive(memory, from: "B", now: ms(60), wallClockMillis: testStartMillis).sends.count == 1)
        // An equal sequence from an earlier run must be beaten too.
        var router2 = quietRouter(links: ["B": 1])
        let equal = advert("A", router2.sequence, instance: 99, originTimeMillis: 0)
        _ = router2.receive(equal, from: "B", now: ms(30), wallClockMillis: testStartMillis)
        #expect(router2.tick(now: ms(50), wallClockMillis: testStartMillis).sends.first?.ads.first?.sequence == equal.sequence + 1)
    }

    @Test("Another live instance with our ID is reported once per sequence, never stored or flooded")
    func duplicate() {
        var router = quietRouter(links: ["B": 1, "C": 1])
        let own = router.nodeRecord("A")!
        let other = advert("A", 3, instance: 2, links: ["Z": 1], originTimeMillis: testStartMillis + 10)
        #expect(router.receive(other, from: "B", now: ms(30), wallClockMillis: testStartMillis) == [.duplicateNode(other)])
        #expect(router.receive(other, from: "C", now: ms(31), wallClockMillis: testStartMillis).isEmpty)
        #expect(router.nodeRecord("A") == own)
        #expect(router.knownConnectionCosts["A"] == ["B": 1, "C": 1])
        #expect(router.nextTimerDeadline() == ms(20) + .seconds(30))  // no re-origination: no sequence war
        var next = other
        next.sequence = 9
        #expect(router.receive(next, from: "C", now: ms(40), wallClockMillis: testStartMillis) == [.duplicateNode(next)])
    }
}
