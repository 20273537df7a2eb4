/// A `udp-peer` entry: dial a backend session to a UDP `host:port`.
public struct UDPPeerEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// Remote `host:port`.
    public var address: String
    /// Reconnect after failure or disconnect (default `true`).
    public var redial: Bool
    /// Link cost (default 1.0, always > 0).
    public var cost: Double
    /// Node IDs allowed on this connection; `nil` allows everyone.
    public var allowedPeers: [String]?

    /// Creates an entry with receptor defaults.
    /// - Parameters:
    ///   - index: The item position.
    ///   - address: Remote `host:port`.
    ///   - redial: Whether to reconnect.
    ///   - cost: The link cost.
    ///   - allowedPeers: Allowed node IDs, `nil` for all.
    public init(index: Int, address: String, redial: Bool = true, cost: Double = 1.0, allowedPeers: [String]? = nil) {
        self.index = index
        self.address = address
        self.redial = redial
        self.cost = cost
        self.allowedPeers = allowedPeers
    }
}
