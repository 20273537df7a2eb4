import MeshProtocol
import Testing

@testable import MeshNode

@Suite("Link handshake checks")
struct LinkHandshakeTests {
    private let listener = LinkHandshake(localNode: "hub", cost: 1, nodeCost: [:], allowedPeers: nil)

    private func hello(_ node: String, cost: Double = 1, version: UInt8 = LinkHello.currentVersion) -> LinkHello {
        LinkHello(version: version, nodeID: node, instance: 42, cost: cost, heartbeatIntervalMillis: 250)
    }

    private func rejection(_ verdict: LinkHandshake.Verdict) -> String? {
        if case .reject(let reason) = verdict { return reason }
        return nil
    }

    @Test("a matching hello is accepted with the agreed cost")
    func accept() {
        #expect(listener.evaluate(hello("edge"), certificateNodeIDs: nil) == .accept(peer: "edge", cost: 1))
    }

    @Test("a peer using our own node ID is refused")
    func ownID() {
        let reason = rejection(listener.evaluate(hello("hub"), certificateNodeIDs: nil))
        #expect(reason == "peer is using our own node ID hub")
    }

    @Test("an empty node ID is refused")
    func emptyID() {
        #expect(rejection(listener.evaluate(hello(""), certificateNodeIDs: nil)) != nil)
    }

    @Test("allowed peers")
    func allowedPeers() {
        var h = listener
        h.allowedPeers = ["edge", "other"]
        #expect(h.evaluate(hello("edge"), certificateNodeIDs: nil) == .accept(peer: "edge", cost: 1))
        #expect(rejection(h.evaluate(hello("intruder"), certificateNodeIDs: nil)) == "node intruder is not in the allowed peers list")
        h.allowedPeers = []
        #expect(rejection(h.evaluate(hello("edge"), certificateNodeIDs: nil)) != nil)
    }

    @Test("the node ID must be one of the certificate's node IDs when they are checked")
    func certificate() {
        #expect(listener.evaluate(hello("edge"), certificateNodeIDs: ["x", "edge"]) == .accept(peer: "edge", cost: 1))
        let reason = rejection(listener.evaluate(hello("edge"), certificateNodeIDs: ["mallory"]))
        #expect(reason?.hasPrefix("node ID edge does not match the certificate") == true)
        #expect(reason?.contains("mallory") == true)
        // A certificate without node IDs matches nobody.
        #expect(rejection(listener.evaluate(hello("edge"), certificateNodeIDs: [])) != nil)
    }

    @Test("both ends must agree on the cost")
    func costDisagreement() {
        let reason = rejection(listener.evaluate(hello("edge", cost: 2), certificateNodeIDs: nil))
        #expect(reason?.hasPrefix("we disagree about the connection cost") == true)
        #expect(rejection(listener.evaluate(hello("edge", cost: 1.000_000_1), certificateNodeIDs: nil)) != nil)
    }

    @Test("nodeCost overrides the backend cost for that peer only")
    func nodeCost() {
        var h = listener
        h.nodeCost = ["edge": 3.5]
        #expect(h.cost(for: "edge") == 3.5)
        #expect(h.cost(for: "other") == 1)
        #expect(h.evaluate(hello("edge", cost: 3.5), certificateNodeIDs: nil) == .accept(peer: "edge", cost: 3.5))
        #expect(rejection(h.evaluate(hello("edge", cost: 1), certificateNodeIDs: nil)) != nil)
        #expect(h.evaluate(hello("other", cost: 1), certificateNodeIDs: nil) == .accept(peer: "other", cost: 1))
    }

    @Test("other protocol versions are refused")
    func version() {
        for v: UInt8 in [0, LinkHello.currentVersion + 1, 255] {
            #expect(rejection(listener.evaluate(hello("edge", version: v), certificateNodeIDs: nil)) == "unsupported link protocol version \(v)")
        }
    }
}
