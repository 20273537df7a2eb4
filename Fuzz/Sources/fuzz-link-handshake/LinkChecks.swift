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

/// A `FailureDetector` beside a model of what it documents: heartbeats at most every interval
/// and at least on the first tick an interval after the last one, death exactly when the peer
/// has been silent for the dead timeout (any received byte counts as life).
struct DetectorCheck {
    private var detector: FailureDetector
    private var lastReceived: Duration
    private var lastSent: Duration

    init(_ setup: LinkSetup, now: Duration) {
        detector = FailureDetector(heartbeatInterval: setup.heartbeatInterval, deadTimeout: setup.deadTimeout, now: now)
        lastReceived = now
        lastSent = now
    }

    /// Something arrived from the peer.
    mutating func received(now: Duration) {
        detector.received(now: now)
        lastReceived = now
    }

    /// A timer tick: the detector's action must be the model's.
    mutating func tick(now: Duration) {
        let action = detector.tick(now: now)
        let silent = now - lastReceived
        let expected: FailureDetector.Action
        if silent >= detector.deadTimeout {
            expected = .declareDead(silentFor: silent)
        } else if now - lastSent >= detector.heartbeatInterval {
            expected = .sendHeartbeat
            lastSent = now
        } else {
            expected = .none
        }
        guard action == expected else {
            invariantFailure(harnessName, "failure detector said \(action) at \(now), expected \(expected)")
        }
        // The link re-arms its tick after min(interval, dead / 4): never a negative delay.
        guard min(detector.heartbeatInterval, detector.deadTimeout / 4) >= .zero else {
            invariantFailure(harnessName, "negative tick interval")
        }
    }
}
