import MeshConfig

extension MeshDaemon {
    /// The hello checks of one listener or peer entry.
    func handshake(cost: Double, nodeCost: [String: Double] = [:], allowedPeers: [String]?) -> LinkHandshake {
        LinkHandshake(localNode: core.localNode, cost: cost, nodeCost: nodeCost, allowedPeers: allowedPeers.map(Set.init))
    }

    /// Turns a listener's bind failure into a config error naming the entry, item and port.
    static func bindError(entry: String, index: Int, bindAddr: String, port: Int) -> @Sendable (any Error) -> any Error {
        { error in
            ConfigError(entry: entry, index: index, field: "port", message: "cannot listen on \(bindAddr):\(port): \(error)")
        }
    }

    /// A peer entry's `host:port`, or a config error naming the entry and item.
    static func peerAddress(_ address: String, entry: String, index: Int) throws -> HostPort {
        guard let parsed = HostPort(address) else {
            throw ConfigError(entry: entry, index: index, field: "address", message: "invalid address \(address)")
        }
        return parsed
    }
}
