/// Delay before the next dial attempt: capped exponential backoff with jitter. Pure.
///
/// Receptor waits 5 s before its first retry (then x1.5 up to 20 s); a hop that restarts should be
/// back in well under a second, so we start at 250 ms, double, cap at 15 s, and spread attempts by
/// +-25 % so a restarted hub is not hit by every peer at once.
public struct RedialBackoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    public var factor: Double
    public var jitter: Double
    private var attempts = 0

    public init(initial: Duration = .milliseconds(250), maximum: Duration = .seconds(15), factor: Double = 2, jitter: Double = 0.25) {
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.jitter = jitter
    }

    /// The delay before the next attempt, given a random number in 0..<1.
    public mutating func nextDelay(random: Double) -> Duration {
        let base = min(Double(initial.milliseconds) * pow(factor, Double(attempts)), Double(maximum.milliseconds))
        attempts += 1
        let spread = base * jitter * (random * 2 - 1)
        return .milliseconds(Int64(max(1, base + spread)))
    }

    /// A link came up: start again from the initial delay next time.
    public mutating func reset() {
        attempts = 0
    }

    public var attemptCount: Int { attempts }
}

private func pow(_ x: Double, _ y: Double) -> Double {
    var r = 1.0
    var i = 0
    while Double(i) < y {
        r *= x
        i += 1
    }
    return r
}

