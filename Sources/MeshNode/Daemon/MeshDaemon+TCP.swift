import MeshConfig

extension MeshDaemon {
    /// `tcp-listener` and `tcp-peer` entries as backends (not started yet).
    func makeTCPBackends(_ config: ReceptorConfig) throws -> [any LinkBackend] {
        var made: [any LinkBackend] = []
        for entry in config.tcpListeners {
            made.append(
                TCPListenerBackend.make(
                    address: HostPort(host: entry.bindAddr, port: entry.port),
                    tls: entry.tls.flatMap { tlsRegistry.servers[$0] },
                    handshake: handshake(cost: entry.cost, nodeCost: entry.nodeCost, allowedPeers: entry.allowedPeers),
                    core: core,
                    bindError: Self.bindError(entry: "tcp-listener", index: entry.index, bindAddr: entry.bindAddr, port: entry.port)
                )
            )
        }
        for entry in config.tcpPeers {
            made.append(
                TCPDialer.make(
                    address: try Self.peerAddress(entry.address, entry: "tcp-peer", index: entry.index),
                    redial: entry.redial,
                    tls: entry.tls.flatMap { tlsRegistry.clients[$0] },
                    handshake: handshake(cost: entry.cost, allowedPeers: entry.allowedPeers),
                    core: core
                )
            )
        }
        return made
    }
}
