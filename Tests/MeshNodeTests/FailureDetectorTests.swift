import Testing

@testable import MeshNode

@Suite("Failure detector")
struct FailureDetectorTests {
    private func ms(_ n: Int) -> Duration { .milliseconds(n) }

    @Test("heartbeats go out every heartbeatInterval, not more often")
    func cadence() {
        var d = FailureDetector(heartbeatInterval: ms(250), deadTimeout: .seconds(10), now: .zero)
        #expect(d.tick(now: .zero) == .none)
        #expect(d.tick(now: ms(249)) == .none)
        #expect(d.tick(now: ms(250)) == .sendHeartbeat)
        #expect(d.tick(now: ms(250)) == .none)
        #expect(d.tick(now: ms(499)) == .none)
        #expect(d.tick(now: ms(500)) == .sendHeartbeat)
        // A late tick sends one heartbeat, and the next is due an interval after it.
        #expect(d.tick(now: ms(900)) == .sendHeartbeat)
        #expect(d.tick(now: ms(1149)) == .none)
        #expect(d.tick(now: ms(1150)) == .sendHeartbeat)
    }

    @Test("a silent peer is declared dead at deadTimeout, not before")
    func deadAfterTimeout() {
        var d = FailureDetector(heartbeatInterval: ms(250), deadTimeout: .seconds(1), now: ms(100))
        for t in stride(from: 100, to: 1100, by: 50) {
            if case .declareDead = d.tick(now: ms(t)) { Issue.record("dead at \(t) ms") }
        }
        #expect(d.tick(now: ms(1100)) == .declareDead(silentFor: .seconds(1)))
        // Death wins over a due heartbeat, and the silence keeps growing.
        #expect(d.tick(now: ms(5100)) == .declareDead(silentFor: .seconds(5)))
    }

    @Test("anything received restarts the silence clock")
    func receivedResets() {
        var d = FailureDetector(heartbeatInterval: ms(250), deadTimeout: .seconds(1), now: .zero)
        d.received(now: ms(900))
        if case .declareDead = d.tick(now: ms(1000)) { Issue.record("dead 100 ms after a receive") }
        if case .declareDead = d.tick(now: ms(1899)) { Issue.record("dead 999 ms after a receive") }
        #expect(d.tick(now: ms(1900)) == .declareDead(silentFor: .seconds(1)))
    }

    @Test("a busy link is never dead and still sends heartbeats on time")
    func busyLink() {
        var d = FailureDetector(heartbeatInterval: ms(250), deadTimeout: .seconds(1), now: .zero)
        var heartbeats = 0
        for t in stride(from: 10, through: 60_000, by: 10) {
            if t.isMultiple(of: 100) { d.received(now: ms(t)) }
            if t.isMultiple(of: 50) {
                switch d.tick(now: ms(t)) {
                case .none: break
                case .sendHeartbeat: heartbeats += 1
                case .declareDead: Issue.record("busy link declared dead at \(t) ms")
                }
            }
        }
        #expect(heartbeats == 240)
    }
}
