/// A `ws-listener` entry: an HTTP(S) server that upgrades to WebSocket backend connections.
public struct WSListenerEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// Local TCP port.
    public var port: Int
    /// Local address to bind (default `0.0.0.0`).
    public var bindAddr: String
    /// Name of the `tls-server` to use, or `nil` for plain HTTP.
    public var tls: String?
    /// Link cost (default 1.0, always > 0).
    public var cost: Double
    /// Per-peer cost overrides, each > 0.
    public var nodeCost: [String: Double]
    /// Node IDs allowed to connect; `nil` allows everyone.
    public var allowedPeers: [String]?
    /// URL path of the WebSocket endpoint (default `/`).
    public var path: String

    /// Creates an entry with receptor defaults.
    /// - Parameters:
    ///   - index: The item position.
    ///   - port: The TCP port.
    ///   - bindAddr: The bind address.
    ///   - tls: The `tls-server` name.
    ///   - cost: The link cost.
    ///   - nodeCost: Per-peer costs.
    ///   - allowedPeers: Allowed node IDs, `nil` for all.
    ///   - path: The URL path.
    public init(
        index: Int,
        port: Int,
        bindAddr: String = "0.0.0.0",
        tls: String? = nil,
        cost: Double = 1.0,
        nodeCost: [String: Double] = [:],
        allowedPeers: [String]? = nil,
        path: String = "/"
    ) {
        self.index = index
        self.port = port
        self.bindAddr = bindAddr
        self.tls = tls
        self.cost = cost
        self.nodeCost = nodeCost
        self.allowedPeers = allowedPeers
        self.path = path
    }
}
