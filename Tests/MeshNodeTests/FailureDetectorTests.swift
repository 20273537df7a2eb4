import Testing

@testable import MeshNode

@Suite("Failure detector")
struct FailureDetectorTests {
    private func ms(_ n: Int) -> Duration { .milliseconds(n) }

    private func detector(_ pace: FailureDetector.Pace = .leading, dead: Duration = .seconds(1), now: Duration = .zero)
        -> FailureDetector
    {
        FailureDetector(heartbeatInterval: ms(250), deadTimeout: dead, pace: pace, now: now)
    }

    @Test("the leading end sends every interval after its last frame; the first is a probe, then one every 5 s")
    func leadingCadence() {
        var d = detector(dead: .seconds(60))
        #expect(d.nextTick == ms(250))
        #expect(d.tick(now: ms(249)) == .none)
        #expect(d.tick(now: ms(250)) == .sendHeartbeat(.request))
        d.sent(now: ms(250))
        #expect(d.nextTick == ms(500))
        #expect(d.tick(now: ms(499)) == .none)
        #expect(d.tick(now: ms(500)) == .sendHeartbeat(.keepalive))
        d.sent(now: ms(500))
        // A late tick sends one heartbeat, and the next is due an interval after it was sent.
        #expect(d.tick(now: ms(900)) == .sendHeartbeat(.keepalive))
        d.sent(now: ms(900))
        #expect(d.nextTick == ms(1150))
        // The next probe is the first heartbeat 5 s or more after the first (at 250 ms).
        var kinds: [Int: FailureDetector.Action] = [:]
        for t in stride(from: 1150, through: 5650, by: 250) {
            let a = d.tick(now: ms(t))
            kinds[t] = a
            d.sent(now: ms(t))
        }
        #expect(kinds[5150] == .sendHeartbeat(.keepalive))
        #expect(kinds[5400] == .sendHeartbeat(.request))
        #expect(kinds.values.filter { $0 == .sendHeartbeat(.request) }.count == 1)
    }

    @Test("awake anyway: a heartbeat due within the slack (a quarter interval) goes out early, never a death")
    func earlyWithinSlack() {
        var d = detector(dead: ms(900))
        d.sent(now: ms(100))
        #expect(d.slack == Duration.milliseconds(62) + .microseconds(500))
        // Due at 350 ms: not yet at 287, early from 287.5.
        #expect(d.tickEarly(now: ms(287)) == .none)
        #expect(d.tickEarly(now: Duration.milliseconds(287) + .microseconds(500)) == .sendHeartbeat(.request))
        d.sent(now: ms(288))
        #expect(d.nextTick == ms(538))
        // Past the dead timeout the early check stays quiet; the timer's tick declares death.
        #expect(d.tickEarly(now: ms(900)) == .none)
        #expect(d.tick(now: ms(900)) == .declareDead(silentFor: ms(900)))
        // The following end's early point is a quarter interval before its own later timer.
        var f = detector(.following, dead: .seconds(60))
        #expect(f.tickEarly(now: ms(249)) == .none)
        #expect(f.tickEarly(now: ms(250)) == .sendHeartbeat(.request))
    }

    @Test("any frame sent postpones the heartbeat: a busy sender sends none")
    func sendingIsLife() {
        var d = detector(dead: .seconds(60))
        for t in stride(from: 100, through: 10_000, by: 100) {
            d.sent(now: ms(t))
            #expect(d.tick(now: ms(t)) == .none)
        }
        #expect(d.nextTick == ms(10_250))
    }

    @Test("the following end answers a keepalive when its last frame is half an interval old, and waits longer on its own")
    func followingEnd() {
        var d = detector(.following, dead: .seconds(60))
        // Its own timer: a quarter interval behind the leading end's.
        #expect(d.nextTick == Duration.milliseconds(312) + .microseconds(500))
        #expect(d.tick(now: ms(300)) == .none)
        // The peer's keepalive at 250 ms: answered at once (a probe, the first).
        d.received(now: ms(250))
        #expect(d.heard(.keepalive, now: ms(250)) == .sendHeartbeat(.request))
        d.sent(now: ms(250))
        #expect(d.nextTick == Duration.milliseconds(562) + .microseconds(500))
        // Our answer's echo (the peer's next keepalive) only 100 ms later: not answered again.
        d.received(now: ms(350))
        #expect(d.heard(.keepalive, now: ms(350)) == .none)
        // 125 ms (half an interval) after our last frame: answered.
        d.received(now: ms(375))
        #expect(d.heard(.keepalive, now: ms(375)) == .sendHeartbeat(.keepalive))
        // A request is always echoed, a reply never answered.
        #expect(d.heard(.request, now: ms(376)) == .sendHeartbeat(.reply))
        #expect(d.heard(.reply, now: ms(377)) == .none)
    }

    @Test("a silent peer is declared dead at deadTimeout, not before, and the next tick is that deadline")
    func deadAfterTimeout() {
        var d = detector(now: ms(100))
        for t in stride(from: 100, to: 1100, by: 50) {
            if case .declareDead = d.tick(now: ms(t)) { Issue.record("dead at \(t) ms") }
            d.sent(now: ms(t))
        }
        #expect(d.nextTick == ms(1100))
        #expect(d.tick(now: ms(1100)) == .declareDead(silentFor: .seconds(1)))
        // Death wins over a due heartbeat, and the silence keeps growing.
        #expect(d.tick(now: ms(5100)) == .declareDead(silentFor: .seconds(5)))
    }

    @Test("anything received restarts the silence clock; time never runs backwards")
    func receivedResets() {
        var d = detector()
        d.received(now: ms(900))
        d.received(now: ms(100))
        d.sent(now: ms(900))
        if case .declareDead = d.tick(now: ms(1000)) { Issue.record("dead 100 ms after a receive") }
        if case .declareDead = d.tick(now: ms(1899)) { Issue.record("dead 999 ms after a receive") }
        #expect(d.tick(now: ms(1900)) == .declareDead(silentFor: .seconds(1)))
    }

    @Test("heartbeats go out at a third of the dead timeout when the interval is longer, and never spin")
    func cappedInterval() {
        var d = FailureDetector(heartbeatInterval: .seconds(10), deadTimeout: ms(900), now: .zero)
        #expect(d.sendInterval == ms(300))
        #expect(d.tick(now: ms(300)) == .sendHeartbeat(.request))
        let zero = FailureDetector(heartbeatInterval: .zero, deadTimeout: .zero, now: .zero)
        #expect(zero.sendInterval == ms(1))
    }

    @Test("two ends in step: an idle link carries one heartbeat each way per interval, driven by the leader")
    func twoEnds() {
        var leader = detector()
        var follower = detector(.following)
        var leaderSent = 0
        var followerSent = 0
        var followerTimerSends = 0
        // 1 ms resolution; frames arrive 1 ms after they are sent.
        var toFollower: [Int] = []
        var toLeader: [Int] = []
        for t in 1...20_000 {
            let now = ms(t)
            if toFollower.first == t - 1 {
                toFollower.removeFirst()
                follower.received(now: now)
                if case .sendHeartbeat = follower.heard(.keepalive, now: now) {
                    follower.sent(now: now)
                    followerSent += 1
                    toLeader.append(t)
                }
            }
            if toLeader.first == t - 1 {
                toLeader.removeFirst()
                leader.received(now: now)
                if case .sendHeartbeat = leader.heard(.keepalive, now: now) {
                    leader.sent(now: now)
                    leaderSent += 1
                    toFollower.append(t)
                }
            }
            switch leader.tick(now: now) {
            case .sendHeartbeat:
                leader.sent(now: now)
                leaderSent += 1
                toFollower.append(t)
            case .declareDead: Issue.record("leader declared the follower dead at \(t)")
            case .none: break
            }
            switch follower.tick(now: now) {
            case .sendHeartbeat:
                follower.sent(now: now)
                followerSent += 1
                followerTimerSends += 1
                toLeader.append(t)
            case .declareDead: Issue.record("follower declared the leader dead at \(t)")
            case .none: break
            }
        }
        #expect(leaderSent == 80, "\(leaderSent)")
        // The leader's last keepalive (at 20 s) is answered after the loop ends.
        #expect(followerSent == 79, "\(followerSent)")
        #expect(followerTimerSends == 0)
    }
}
