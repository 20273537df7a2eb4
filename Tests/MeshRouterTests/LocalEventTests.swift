import MeshProtocol
import MeshRouter
import Testing

@Suite("Own advertisement: origination, coalescing, refresh, full state exchange")
struct LocalEventTests {
    let control = ServiceAdvertisement(name: "control", connType: .streamTLS, tags: ["type": "Control Service"])

    func freshRouter(_ configuration: RouterConfiguration = .init()) -> LinkStateRouter {
        LinkStateRouter(
            localNode: "A",
            instance: 9,
            initialSequence: 100,
            startTimeMillis: testStartMillis,
            configuration: configuration
        )
    }

    @Test("The router starts with an empty advertisement carrying the initial sequence")
    func initialState() {
        var router = freshRouter()
        #expect(router.sequence == 100)
        #expect(router.advertisements == [advert("A", 100, instance: 9, originTimeMillis: testStartMillis)])
        #expect(router.routingTable.isEmpty)
        #expect(router.nextTimerDeadline() == nil)
        #expect(router.isReachable("A"))
        #expect(!router.isReachable("B"))
    }

    @Test("Changes within the flood delay produce one advertisement")
    func coalescing() {
        var router = freshRouter()
        // The initial advertisement lists no link: it is not worth sending.
        #expect(router.linkUp("B", cost: 1, now: .zero, wallClockMillis: testStartMillis) == [.routesChanged])
        #expect(router.linkUp("C", cost: 2, now: ms(5), wallClockMillis: testStartMillis + 5) == [.routesChanged])
        // Up again before anything was sent: nothing to send, nothing changed.
        #expect(router.linkUp("B", cost: 1, now: ms(6), wallClockMillis: testStartMillis + 6).isEmpty)
        #expect(router.setLocalServices([control], now: ms(10), wallClockMillis: testStartMillis + 10).isEmpty)
        #expect(router.nextTimerDeadline() == ms(20))
        #expect(router.tick(now: ms(19), wallClockMillis: testStartMillis + 19).isEmpty)

        let actions = router.tick(now: ms(20), wallClockMillis: testStartMillis + 20)
        let own = advert(
            "A",
            101,
            instance: 9,
            links: ["B": 1, "C": 2],
            services: [control],
            originTimeMillis: testStartMillis + 20
        )
        #expect(actions == [.send([own], to: ["B", "C"]), .routesChanged])
        #expect(router.sequence == 101)
        #expect(router.nodeRecord("A") == own)
        #expect(router.knownConnectionCosts["A"] == ["B": 1, "C": 2])
        #expect(router.routingTable == ["B": "B", "C": "C"])
        #expect(router.pathCosts == ["B": 1, "C": 2])
    }

    @Test("Setting the same services again changes nothing")
    func sameServices() {
        var router = quietRouter(links: ["B": 1])
        _ = router.setLocalServices([control], now: ms(30), wallClockMillis: testStartMillis)
        _ = router.tick(now: ms(50), wallClockMillis: testStartMillis)
        #expect(router.setLocalServices([control], now: ms(60), wallClockMillis: testStartMillis).isEmpty)
        #expect(router.nextTimerDeadline() == ms(50) + .seconds(30))
    }

    @Test("With a zero flood delay a change is flooded inside the call")
    func zeroDelay() {
        var router = freshRouter(.init(floodDelay: .zero))
        let actions = router.linkUp("B", cost: 1, now: .zero, wallClockMillis: testStartMillis)
        let own = advert("A", 101, instance: 9, links: ["B": 1], originTimeMillis: testStartMillis)
        #expect(actions == [.routesChanged, .send([own], to: ["B"]), .routesChanged])
    }

    @Test("linkUp sends the new neighbour every stored advertisement at once, ours included")
    func fullStateExchange() {
        var router = quietRouter(links: ["B": 1])
        let x = advert("X", 3, links: ["B": 1])
        let y = advert("Y", 8, lifetimeMillis: 60_000)
        _ = router.receive(y, from: "B", now: .seconds(1), wallClockMillis: testStartMillis)
        _ = router.receive(x, from: "B", now: .seconds(2), wallClockMillis: testStartMillis)

        let actions = router.linkUp("D", cost: 1, now: .seconds(11), wallClockMillis: testStartMillis)
        var xCopy = x
        xCopy.lifetimeMillis = 111_000
        var yCopy = y
        yCopy.lifetimeMillis = 50_000
        let own = router.nodeRecord("A")!
        #expect(actions == [.send([xCopy, yCopy, own], to: ["D"]), .routesChanged])
        // Our own advertisement, now listing D, follows after the flood delay, to everyone.
        let flush = router.tick(now: .seconds(11) + ms(20), wallClockMillis: testStartMillis)
        #expect(flush.sends.map(\.to) == [["B", "D"]])
        #expect(flush.refreshes.isEmpty)
        #expect(flush.sends.first?.ads.first?.links == ["B": 1, "D": 1])
    }

    @Test("linkUp for a link already up with the same cost resends the full state with our advertisement")
    func repeatedLinkUp() {
        var router = quietRouter(links: ["B": 1])
        let actions = router.linkUp("B", cost: 1, now: .seconds(1), wallClockMillis: testStartMillis)
        #expect(actions == [.send([router.nodeRecord("A")!], to: ["B"])])
        #expect(router.nextTimerDeadline() == ms(20) + .seconds(30))
        // A new cost is a change: re-originated after the flood delay.
        let own = router.nodeRecord("A")!
        #expect(router.linkUp("B", cost: 4, now: .seconds(2), wallClockMillis: testStartMillis) == [.send([own], to: ["B"]), .routesChanged])
        #expect(router.pathCosts == ["B": 4])
        #expect(router.nextTimerDeadline() == .seconds(2) + ms(20))
    }

    @Test("Invalid links are refused")
    func invalidLinks() {
        var router = freshRouter()
        for cost in [0, -1, .nan, .infinity] as [Double] {
            #expect(router.linkUp("B", cost: cost, now: .zero, wallClockMillis: testStartMillis).isEmpty)
        }
        #expect(router.linkUp("A", cost: 1, now: .zero, wallClockMillis: testStartMillis).isEmpty)
        #expect(router.neighbours.isEmpty)
        #expect(router.linkDown("B", now: .zero, wallClockMillis: testStartMillis).isEmpty)
        #expect(router.nextTimerDeadline() == nil)
    }

    @Test("Our advertisement is re-originated every refresh interval, without a routes change")
    func refresh() {
        var router = quietRouter(links: ["B": 1, "C": 1])
        let sequence = router.sequence
        #expect(router.nextTimerDeadline() == ms(20) + .seconds(30))
        let actions = router.tick(now: ms(20) + .seconds(30), wallClockMillis: testStartMillis + 30_020)
        #expect(actions.count == 1)
        // Nothing changed: a refresh, which may ride along with the next heartbeat.
        #expect(actions.refreshes.first?.to == ["B", "C"])
        #expect(actions.sends.first?.ads.first?.sequence == sequence + 1)
        #expect(actions.sends.first?.ads.first?.originTimeMillis == testStartMillis + 30_020)
        #expect(router.nextTimerDeadline() == ms(20) + .seconds(60))
    }

    @Test("Without links there is nothing to refresh and no timer")
    func noLinksNoRefresh() {
        var router = quietRouter(links: ["B": 1])
        #expect(router.linkDown("B", now: .seconds(1), wallClockMillis: testStartMillis) == [.routesChanged])
        #expect(router.routingTable.isEmpty)
        let flush = router.tick(now: .seconds(1) + ms(20), wallClockMillis: testStartMillis)
        #expect(flush == [.routesChanged])  // our record lost its link; nobody to send it to
        #expect(router.nextTimerDeadline() == nil)
        #expect(router.tick(now: .seconds(100), wallClockMillis: testStartMillis).isEmpty)
    }
}
