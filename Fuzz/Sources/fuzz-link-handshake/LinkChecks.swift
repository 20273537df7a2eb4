import FuzzSupport
import MeshNode
import MeshProtocol

/// Checks `LinkHandshake.evaluate` against what it documents: a hello is accepted exactly when
/// its version is ours, its node ID is non-empty, not ours, allowed (if a list is configured),
/// named by the certificate (if checked) and its cost equals ours for that peer; an accepted
/// hello reports that peer and cost, a rejected one says why.
func checkHello(_ hello: LinkHello, _ setup: LinkSetup) {
    let handshake = setup.handshake
    let peer = hello.nodeID
    let ours = handshake.nodeCost[peer] ?? handshake.cost
    let acceptable =
        hello.version == LinkHello.currentVersion
        && !peer.isEmpty
        && peer != handshake.localNode
        && (handshake.allowedPeers?.contains(peer) ?? true)
        && (setup.certificateNodeIDs?.contains(peer) ?? true)
        && hello.cost == ours
    switch handshake.evaluate(hello, certificateNodeIDs: setup.certificateNodeIDs) {
    case .accept(let accepted, let cost):
        guard acceptable, accepted == peer, cost == ours else {
            invariantFailure(harnessName, "accepted \(hello) as \(accepted) at cost \(cost) (ours \(ours))")
        }
    case .reject(let reason):
        guard !acceptable, !reason.isEmpty else {
            invariantFailure(harnessName, "rejected an acceptable hello \(hello): '\(reason)'")
        }
    }
}

/// A `FailureDetector` beside a model of what it documents: death exactly when the peer has been
/// silent for the dead timeout (any received frame counts as life); otherwise a heartbeat exactly
/// when nothing was sent for the send interval (a quarter more on the following end), a request
/// at most once per probe interval and the first one always a request; a peer's request always
/// echoed, its keepalive answered exactly when our last frame is half an interval old; and the
/// next tick never before now's last event nor later than either deadline.
struct DetectorCheck {
    private var detector: FailureDetector
    private var lastReceived: Duration
    private var lastSent: Duration
    private var lastProbe: Duration?

    init(_ setup: LinkSetup, now: Duration) {
        detector = FailureDetector(
            heartbeatInterval: setup.heartbeatInterval,
            deadTimeout: setup.deadTimeout,
            pace: setup.pace,
            now: now
        )
        lastReceived = now
        lastSent = now
        let expected = max(min(setup.heartbeatInterval, setup.deadTimeout / 3), .milliseconds(1))
        guard detector.sendInterval == expected else {
            invariantFailure(harnessName, "send interval \(detector.sendInterval), expected \(expected)")
        }
    }

    private var ownDelay: Duration {
        detector.pace == .leading ? detector.sendInterval : detector.sendInterval + detector.sendInterval / 4
    }

    /// Something arrived from the peer.
    mutating func received(now: Duration) {
        detector.received(now: now)
        lastReceived = max(lastReceived, now)
    }

    /// The link wrote a frame.
    mutating func sent(now: Duration) {
        detector.sent(now: now)
        lastSent = max(lastSent, now)
    }

    private mutating func expectedKind(now: Duration) -> LinkHeartbeat.Kind {
        if let lastProbe, now - lastProbe < detector.probeInterval { return .keepalive }
        lastProbe = now
        return .request
    }

    /// A heartbeat of `kind` arrived (after `received`): the detector's answer must be the model's;
    /// an answer is sent.
    mutating func heard(_ kind: LinkHeartbeat.Kind, now: Duration) {
        let action = detector.heard(kind, now: now)
        let expected: FailureDetector.Action
        switch kind {
        case .request: expected = .sendHeartbeat(.reply)
        case .reply: expected = .none
        case .keepalive:
            expected = now - lastSent >= detector.sendInterval / 2 ? .sendHeartbeat(expectedKind(now: now)) : .none
        }
        guard action == expected else {
            invariantFailure(harnessName, "failure detector answered \(kind) with \(action) at \(now), expected \(expected)")
        }
        if case .sendHeartbeat = action { sent(now: now) }
    }

    /// Another link woke the node: a heartbeat due within a quarter interval goes out early, and
    /// nothing else happens (never a death).
    mutating func tickEarly(now: Duration) {
        let action = detector.tickEarly(now: now)
        let slack = detector.sendInterval / 4
        let expected: FailureDetector.Action =
            now - lastReceived < detector.deadTimeout && now - lastSent >= ownDelay - slack
            ? .sendHeartbeat(expectedKind(now: now)) : .none
        guard action == expected else {
            invariantFailure(harnessName, "early tick said \(action) at \(now), expected \(expected)")
        }
        if case .sendHeartbeat = action { sent(now: now) }
    }

    /// A timer tick: the detector's action must be the model's; a heartbeat asked for is sent.
    mutating func tick(now: Duration) {
        let next = detector.nextTick
        let deadline = min(lastSent + ownDelay, lastReceived + max(detector.deadTimeout, .zero))
        guard next == deadline else {
            invariantFailure(harnessName, "next tick \(next), expected \(deadline)")
        }
        let action = detector.tick(now: now)
        let silent = now - lastReceived
        let expected: FailureDetector.Action
        if silent >= detector.deadTimeout {
            expected = .declareDead(silentFor: silent)
        } else if now - lastSent >= ownDelay {
            expected = .sendHeartbeat(expectedKind(now: now))
        } else {
            expected = .none
        }
        guard action == expected else {
            invariantFailure(harnessName, "failure detector said \(action) at \(now), expected \(expected)")
        }
        // Before its deadline a tick has nothing to do: the timer armed for nextTick is never late.
        if now < next, action != .none {
            invariantFailure(harnessName, "action \(action) at \(now), before the next tick \(next)")
        }
        if case .sendHeartbeat = action { sent(now: now) }
    }
}
