import MeshProtocol

/// The checks a link endpoint applies to its peer's hello. Pure and synchronous.
/// (Public for the fuzz harnesses in `Fuzz/`.)
public struct LinkHandshake: Sendable {
    /// Our node ID.
    public var localNode: String
    /// Cost configured for this backend.
    public var cost: Double
    /// Per-peer cost overrides (listeners only).
    public var nodeCost: [String: Double]
    /// Peers allowed on this backend; nil allows everyone.
    public var allowedPeers: Set<String>?

    /// A handshake for a backend: our node, its cost and overrides, and who may connect.
    public init(localNode: String, cost: Double, nodeCost: [String: Double], allowedPeers: Set<String>?) {
        self.localNode = localNode
        self.cost = cost
        self.nodeCost = nodeCost
        self.allowedPeers = allowedPeers
    }

    /// Outcome of checking a hello.
    public enum Verdict: Equatable, Sendable {
        case accept(peer: String, cost: Double)
        case reject(String)
    }

    /// The cost this end uses for a link to `peer`.
    public func cost(for peer: String) -> Double {
        nodeCost[peer] ?? cost
    }

    /// Checks a hello.
    /// - Parameters:
    ///   - hello: what the peer sent.
    ///   - certificateNodeIDs: node IDs found in the peer's certificate, or nil when the link is not
    ///     TLS or the config skips the check.
    public func evaluate(_ hello: LinkHello, certificateNodeIDs: [String]?) -> Verdict {
        guard hello.version == LinkHello.currentVersion else {
            return .reject("unsupported link protocol version \(hello.version)")
        }
        let peer = hello.nodeID
        guard !peer.isEmpty else { return .reject("peer sent an empty node ID") }
        if peer == localNode { return .reject("peer is using our own node ID \(peer)") }
        if let allowed = allowedPeers, !allowed.contains(peer) {
            return .reject("node \(peer) is not in the allowed peers list")
        }
        if let names = certificateNodeIDs, !names.contains(peer) {
            return .reject("node ID \(peer) does not match the certificate (node IDs in certificate: \(names))")
        }
        let ours = cost(for: peer)
        guard hello.cost == ours else {
            return .reject("we disagree about the connection cost: ours \(ours), peer \(peer) says \(hello.cost)")
        }
        return .accept(peer: peer, cost: ours)
    }
}
