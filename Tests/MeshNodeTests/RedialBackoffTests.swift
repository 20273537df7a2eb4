import Testing

@testable import MeshNode

@Suite("Redial backoff")
struct RedialBackoffTests {
    @Test("without jitter: 250 ms, doubling, capped at 15 s")
    func sequence() {
        var b = RedialBackoff()
        let delays = (0..<10).map { _ in b.nextDelay(random: 0.5) }
        #expect(delays == [250, 500, 1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000].map { Duration.milliseconds($0) })
        #expect(b.attemptCount == 10)
    }

    @Test("the first delay is 250 ms +-25 %, whatever the random number")
    func firstDelayJitter() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            var b = RedialBackoff()
            let d = b.nextDelay(random: Double.random(in: 0..<1, using: &rng))
            #expect(d >= .milliseconds(187) && d <= .milliseconds(313), "\(d)")
        }
        var low = RedialBackoff()
        #expect(low.nextDelay(random: 0) == .milliseconds(187))
        var high = RedialBackoff()
        #expect(high.nextDelay(random: 0.999_999_999) == .milliseconds(312))
    }

    @Test("the jittered delay stays within 25 % of the capped base, even after many attempts")
    func capWithJitter() {
        var b = RedialBackoff()
        for attempt in 0..<200 {
            let r = Double(attempt % 10) / 10
            let d = b.nextDelay(random: r)
            #expect(d <= .milliseconds(18_750), "attempt \(attempt): \(d)")
            if attempt >= 6 { #expect(d >= .milliseconds(11_250), "attempt \(attempt): \(d)") }
        }
    }

    @Test("reset starts again from the initial delay")
    func reset() {
        var b = RedialBackoff()
        for _ in 0..<5 { _ = b.nextDelay(random: 0.5) }
        b.reset()
        #expect(b.attemptCount == 0)
        #expect(b.nextDelay(random: 0.5) == .milliseconds(250))
        #expect(b.nextDelay(random: 0.5) == .milliseconds(500))
    }

    @Test("custom parameters")
    func custom() {
        var b = RedialBackoff(initial: .milliseconds(100), maximum: .milliseconds(1000), factor: 3, jitter: 0)
        #expect((0..<5).map { _ in b.nextDelay(random: 0.9) } == [100, 300, 900, 1000, 1000].map { Duration.milliseconds($0) })
    }
}
