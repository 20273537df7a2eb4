/// Decides when to send a heartbeat and when a silent peer is dead. Pure: the caller passes the time.
///
/// Any bytes received count as life, so a link that is busy moving data is never declared dead
/// (heartbeats also jump ahead of queued data on the sending side). A peer whose process is frozen
/// sends nothing at all, and is declared dead after ``deadTimeout``.
public struct FailureDetector: Sendable {
    public var heartbeatInterval: Duration
    public var deadTimeout: Duration
    private var lastReceived: Duration
    private var lastSent: Duration

    public init(heartbeatInterval: Duration, deadTimeout: Duration, now: Duration) {
        self.heartbeatInterval = heartbeatInterval
        self.deadTimeout = deadTimeout
        self.lastReceived = now
        self.lastSent = now
    }

    /// What the link should do on a timer tick.
    public enum Action: Equatable, Sendable {
        case none
        case sendHeartbeat
        case declareDead(silentFor: Duration)
    }

    /// Something arrived from the peer.
    public mutating func received(now: Duration) {
        lastReceived = now
    }

    /// Called at least every ``heartbeatInterval``.
    public mutating func tick(now: Duration) -> Action {
        let silent = now - lastReceived
        if silent >= deadTimeout { return .declareDead(silentFor: silent) }
        if now - lastSent >= heartbeatInterval {
            lastSent = now
            return .sendHeartbeat
        }
        return .none
    }
}
