/// RFC 6298's round-trip estimator: a smoothed round trip and its mean deviation, and the
/// retransmission timeout they give. Pure; shared by UDP links (MeshNode's `ReliableDatagramConnection`)
/// and mesh streams (``StreamStateMachine``).
public struct RoundTripEstimator: Sendable {
    public init() {}

    /// Smoothed round trip; nil before the first sample.
    public private(set) var smoothed: Duration?
    public private(set) var variance: Duration = .zero

    /// Takes one round-trip sample.
    public mutating func add(_ sample: Duration) {
        if let srtt = smoothed {
            let delta = srtt > sample ? srtt - sample : sample - srtt
            variance = variance * 3 / 4 + delta / 4
            smoothed = srtt * 7 / 8 + sample / 8
        } else {
            smoothed = sample
            variance = sample / 2
        }
    }

    /// `smoothed + 4 x variance` (at least 1 ms over the smoothed value) within `floor...ceiling`,
    /// or `initial` before any sample.
    public func timeout(initial: Duration, floor: Duration, ceiling: Duration) -> Duration {
        guard let srtt = smoothed else { return initial }
        return min(max(srtt + max(variance * 4, .milliseconds(1)), floor), ceiling)
    }
}
