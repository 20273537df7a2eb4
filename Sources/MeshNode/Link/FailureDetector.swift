import MeshProtocol

/// Decides when a link sends a heartbeat, of which kind, and when a silent peer is dead. Pure:
/// the caller passes the time, reports every frame it writes (``sent(now:)``) and every frame
/// that arrives (``received(now:)``), and arms one timer for ``nextTick``.
///
/// Liveness is symmetric and costs one small frame each way per interval on an idle link:
/// - Any frame received counts as life, so a link busy moving data is never declared dead, and
///   a peer whose process is frozen sends nothing and is declared dead after ``deadTimeout``.
/// - Any frame sent tells the peer the same, so a heartbeat goes out only when nothing else has
///   for ``sendInterval``: a busy link carries no heartbeats at all.
/// - The two ends keep in step instead of each ticking on its own: the leading end (the dialer)
///   sends on its timer; the following end (the listener) answers a keepalive at once when its own
///   last frame is half an interval old or more, and its own timer runs a quarter interval later so
///   it seldom fires. One timer wakeup per interval per link, instead of one per end, and no reply
///   frames: the previous design sent a request from each end and echoed each one, four frames
///   per interval.
/// - A round-trip sample needs an echo, so a ``LinkHeartbeat/Kind/request`` replaces the
///   keepalive once per ``probeInterval``; requests are always answered.
/// - Timer slack across links: when the node is awake anyway (another link heard a heartbeat or
///   ticked), a heartbeat due within ``slack`` goes out at once (``tickEarly(now:)``), so a node's
///   links share wakeups instead of each waking it on its own. Sending early is always safe: the
///   peer only ever hears from us sooner.
public struct FailureDetector: Sendable {
    /// Which end sets the pace of an idle link.
    public enum Pace: Sendable {
        /// Sends on its own timer (the dialer).
        case leading
        /// Mostly answers the leading end's keepalives (the listener).
        case following
    }

    /// What the link should do now.
    public enum Action: Equatable, Sendable {
        case none
        /// Send a heartbeat of this kind (`.keepalive` or `.request`; `.reply` echoes a request).
        case sendHeartbeat(LinkHeartbeat.Kind)
        case declareDead(silentFor: Duration)
    }

    public let heartbeatInterval: Duration
    public let deadTimeout: Duration
    /// How often a heartbeat is a request (for a round-trip sample) instead of a keepalive.
    public let probeInterval: Duration
    public let pace: Pace
    /// The longest a link stays quiet on the sending side: the heartbeat interval, capped at a
    /// third of the dead timeout so that a peer always hears from us well before it gives up.
    public let sendInterval: Duration
    /// How early a heartbeat may go out when the node is awake anyway: a quarter interval.
    public var slack: Duration { sendInterval / 4 }
    private var lastReceived: Duration
    private var lastSent: Duration
    private var lastProbe: Duration?

    public init(
        heartbeatInterval: Duration,
        deadTimeout: Duration,
        pace: Pace = .leading,
        probeInterval: Duration = .seconds(5),
        now: Duration
    ) {
        self.heartbeatInterval = heartbeatInterval
        self.deadTimeout = deadTimeout
        self.pace = pace
        self.probeInterval = probeInterval
        // Never zero or negative, whatever the configuration says: a timer would spin.
        self.sendInterval = max(min(heartbeatInterval, deadTimeout / 3), .milliseconds(1))
        self.lastReceived = now
        // The first heartbeat is due an interval after start (the hello has just gone out).
        self.lastSent = now
    }

    /// The following end waits a quarter interval longer before it sends on its own.
    private var ownSendDelay: Duration {
        switch pace {
        case .leading: sendInterval
        case .following: sendInterval + sendInterval / 4
        }
    }

    /// When ``tick(now:)`` next has something to do: a heartbeat to send or a death to declare.
    public var nextTick: Duration {
        min(lastSent + ownSendDelay, lastReceived + max(deadTimeout, .zero))
    }

    /// A frame (of any kind) arrived from the peer.
    public mutating func received(now: Duration) {
        lastReceived = max(lastReceived, now)
    }

    /// A frame (of any kind) was written to the peer.
    public mutating func sent(now: Duration) {
        lastSent = max(lastSent, now)
    }

    /// The kind of our next heartbeat, counting a request as a probe sent.
    private mutating func nextKind(now: Duration) -> LinkHeartbeat.Kind {
        if let lastProbe, now - lastProbe < probeInterval { return .keepalive }
        lastProbe = now
        return .request
    }

    /// The timer fired (or any time): declare death, send a heartbeat, or nothing.
    public mutating func tick(now: Duration) -> Action {
        let silent = now - lastReceived
        if silent >= deadTimeout { return .declareDead(silentFor: silent) }
        return heartbeatIfDue(now: now, within: .zero)
    }

    /// Our heartbeat, if our own timer is due within `early` of `now`.
    private mutating func heartbeatIfDue(now: Duration, within early: Duration) -> Action {
        now - lastSent >= ownSendDelay - early ? .sendHeartbeat(nextKind(now: now)) : .none
    }

    /// The node is awake for something else: send our heartbeat now if it is due within ``slack``
    /// (never a death: that waits for the deadline itself).
    public mutating func tickEarly(now: Duration) -> Action {
        guard now - lastReceived < deadTimeout else { return .none }
        return heartbeatIfDue(now: now, within: slack)
    }

    /// The peer's heartbeat arrived (after ``received(now:)``): a request is always echoed; a
    /// keepalive is answered with ours when our last frame is half an interval old or more, so
    /// the two ends send together rather than each on its own timer. A reply needs nothing.
    public mutating func heard(_ kind: LinkHeartbeat.Kind, now: Duration) -> Action {
        switch kind {
        case .request:
            return .sendHeartbeat(.reply)
        case .reply:
            return .none
        case .keepalive:
            if now - lastSent >= sendInterval / 2 {
                return .sendHeartbeat(nextKind(now: now))
            }
            return .none
        }
    }
}
