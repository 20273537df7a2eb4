/// A `tcp-peer` entry: dial a backend connection to `host:port`.
public struct TCPPeerEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// Remote `host:port`.
    public var address: String
    /// Reconnect after failure or disconnect (default `true`).
    public var redial: Bool
    /// Name of the `tls-client` to use, or `nil` for plain TCP.
    public var tls: String?
    /// Link cost (default 1.0, always > 0).
    public var cost: Double
    /// Node IDs allowed on this connection; `nil` allows everyone.
    public var allowedPeers: [String]?

    /// Creates an entry with receptor defaults.
    /// - Parameters:
    ///   - index: The item position.
    ///   - address: Remote `host:port`.
    ///   - redial: Whether to reconnect.
    ///   - tls: The `tls-client` name.
    ///   - cost: The link cost.
    ///   - allowedPeers: Allowed node IDs, `nil` for all.
    public init(
        index: Int,
        address: String,
        redial: Bool = true,
        tls: String? = nil,
        cost: Double = 1.0,
        allowedPeers: [String]? = nil
    ) {
        self.index = index
        self.address = address
        self.redial = redial
        self.tls = tls
        self.cost = cost
        self.allowedPeers = allowedPeers
    }
}
