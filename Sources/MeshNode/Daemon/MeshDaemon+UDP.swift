import MeshConfig

extension MeshDaemon {
    /// `udp-listener` and `udp-peer` entries as backends (not started yet).
    func makeUDPBackends(_ config: ReceptorConfig) throws -> [any LinkBackend] {
        var made: [any LinkBackend] = []
        for entry in config.udpListeners {
            made.append(
                UDPListenerBackend(
                    address: HostPort(host: entry.bindAddr, port: entry.port),
                    handshake: handshake(cost: entry.cost, nodeCost: entry.nodeCost, allowedPeers: entry.allowedPeers),
                    core: core,
                    bindError: Self.bindError(entry: "udp-listener", index: entry.index, bindAddr: entry.bindAddr, port: entry.port)
                )
            )
        }
        for entry in config.udpPeers {
            made.append(
                UDPDialer(
                    address: try Self.peerAddress(entry.address, entry: "udp-peer", index: entry.index),
                    redial: entry.redial,
                    handshake: handshake(cost: entry.cost, allowedPeers: entry.allowedPeers),
                    core: core
                )
            )
        }
        return made
    }
}
