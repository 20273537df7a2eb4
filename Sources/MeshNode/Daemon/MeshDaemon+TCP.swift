import MeshConfig

extension MeshDaemon {
    /// `tcp-listener` and `tcp-peer` entries as backends (not started yet).
    func makeTCPBackends(_ config: ReceptorConfig) throws -> [any LinkBackend] {
        var made: [any LinkBackend] = []
        for entry in config.tcpListeners {
            let handshake = LinkHandshake(
                localNode: core.localNode,
                cost: entry.cost,
                nodeCost: entry.nodeCost,
                allowedPeers: entry.allowedPeers.map(Set.init)
            )
            made.append(
                TCPListenerBackend(
                    address: HostPort(host: entry.bindAddr, port: entry.port),
                    tls: entry.tls.flatMap { tlsRegistry.servers[$0] },
                    handshake: handshake,
                    core: core,
                    bindError: { error in
                        ConfigError(
                            entry: "tcp-listener", index: entry.index, field: "port",
                            message: "cannot listen on \(entry.bindAddr):\(entry.port): \(error)"
                        )
                    }
                )
            )
        }
        for entry in config.tcpPeers {
            guard let address = HostPort(entry.address) else {
                throw ConfigError(entry: "tcp-peer", index: entry.index, field: "address", message: "invalid address \(entry.address)")
            }
            let handshake = LinkHandshake(
                localNode: core.localNode,
                cost: entry.cost,
                nodeCost: [:],
                allowedPeers: entry.allowedPeers.map(Set.init)
            )
            made.append(
                TCPDialer(
                    address: address,
                    redial: entry.redial,
                    tls: entry.tls.flatMap { tlsRegistry.clients[$0] },
                    handshake: handshake,
                    core: core
                )
            )
        }
        return made
    }
}
