/// A `udp-listener` entry: accept backend sessions on a UDP port.
public struct UDPListenerEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// Local UDP port.
    public var port: Int
    /// Local address to bind (default `0.0.0.0`).
    public var bindAddr: String
    /// Link cost (default 1.0, always > 0).
    public var cost: Double
    /// Per-peer cost overrides, each > 0.
    public var nodeCost: [String: Double]
    /// Node IDs allowed to connect; `nil` allows everyone.
    public var allowedPeers: [String]?

    /// Creates an entry with receptor defaults.
    /// - Parameters:
    ///   - index: The item position.
    ///   - port: The UDP port.
    ///   - bindAddr: The bind address.
    ///   - cost: The link cost.
    ///   - nodeCost: Per-peer costs.
    ///   - allowedPeers: Allowed node IDs, `nil` for all.
    public init(
        index: Int,
        port: Int,
        bindAddr: String = "0.0.0.0",
        cost: Double = 1.0,
        nodeCost: [String: Double] = [:],
        allowedPeers: [String]? = nil
    ) {
        self.index = index
        self.port = port
        self.bindAddr = bindAddr
        self.cost = cost
        self.nodeCost = nodeCost
        self.allowedPeers = allowedPeers
    }
}
