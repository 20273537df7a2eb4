import MeshConfig

extension MeshDaemon {
    /// `udp-listener` and `udp-peer` entries as backends (not started yet).
    func makeUDPBackends(_ config: ReceptorConfig) throws -> [any LinkBackend] {
        var made: [any LinkBackend] = []
        for entry in config.udpListeners {
            let handshake = LinkHandshake(
                localNode: core.localNode,
                cost: entry.cost,
                nodeCost: entry.nodeCost,
                allowedPeers: entry.allowedPeers.map(Set.init)
            )
            made.append(
                UDPListenerBackend(
                    address: HostPort(host: entry.bindAddr, port: entry.port),
                    handshake: handshake,
                    core: core,
                    bindError: { error in
                        ConfigError(
                            entry: "udp-listener", index: entry.index, field: "port",
                            message: "cannot listen on \(entry.bindAddr):\(entry.port): \(error)"
                        )
                    }
                )
            )
        }
        for entry in config.udpPeers {
            guard let address = HostPort(entry.address) else {
                throw ConfigError(entry: "udp-peer", index: entry.index, field: "address", message: "invalid address \(entry.address)")
            }
            let handshake = LinkHandshake(
                localNode: core.localNode,
                cost: entry.cost,
                nodeCost: [:],
                allowedPeers: entry.allowedPeers.map(Set.init)
            )
            made.append(UDPDialer(address: address, redial: entry.redial, handshake: handshake, core: core))
        }
        return made
    }
}
