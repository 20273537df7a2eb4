/// A `ws-peer` entry: dial a WebSocket backend connection to a `ws://` or `wss://` URL.
public struct WSPeerEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// The `ws://…` or `wss://…` URL.
    public var address: String
    /// Reconnect after failure or disconnect (default `true`).
    public var redial: Bool
    /// Name of the `tls-client` to use.
    public var tls: String?
    /// Link cost (default 1.0, always > 0).
    public var cost: Double
    /// Node IDs allowed on this connection; `nil` allows everyone.
    public var allowedPeers: [String]?
    /// An extra `Name:value` header for the upgrade request.
    public var extraHeader: String?

    /// Creates an entry with receptor defaults.
    /// - Parameters:
    ///   - index: The item position.
    ///   - address: The WebSocket URL.
    ///   - redial: Whether to reconnect.
    ///   - tls: The `tls-client` name.
    ///   - cost: The link cost.
    ///   - allowedPeers: Allowed node IDs, `nil` for all.
    ///   - extraHeader: An extra `Name:value` header.
    public init(
        index: Int,
        address: String,
        redial: Bool = true,
        tls: String? = nil,
        cost: Double = 1.0,
        allowedPeers: [String]? = nil,
        extraHeader: String? = nil
    ) {
        self.index = index
        self.address = address
        self.redial = redial
        self.tls = tls
        self.cost = cost
        self.allowedPeers = allowedPeers
        self.extraHeader = extraHeader
    }

    /// ``extraHeader`` split at its first colon into name and value
    /// (the value without leading spaces), or `nil` if there is none.
    public var extraHeaderField: (name: String, value: String)? {
        guard let extraHeader, let colon = extraHeader.firstIndex(of: ":") else { return nil }
        let name = String(extraHeader[..<colon])
        let value = extraHeader[extraHeader.index(after: colon)...].drop { $0 == " " }
        return (name, String(value))
    }
}
