import Foundation
import MeshConfig
import NIOSSL

extension MeshDaemon {
    /// `ws-listener` and `ws-peer` entries as backends (not started yet).
    ///
    /// A `wss://` peer without `tls` verifies the server against the system's roots and the URL's
    /// host name (NIOSSL's default client configuration, no client certificate, no node-ID
    /// check); receptor instead looks up a `tls-client` named `default`. A `tls` on a `ws://`
    /// peer is ignored.
    func makeWSBackends(_ config: ReceptorConfig) throws -> [any LinkBackend] {
        var made: [any LinkBackend] = []
        for entry in config.wsListeners {
            made.append(
                WSListenerBackend.make(
                    address: HostPort(host: entry.bindAddr, port: entry.port),
                    path: entry.path,
                    tls: entry.tls.flatMap { tlsRegistry.servers[$0] },
                    handshake: handshake(cost: entry.cost, nodeCost: entry.nodeCost, allowedPeers: entry.allowedPeers),
                    core: core,
                    bindError: Self.bindError(entry: "ws-listener", index: entry.index, bindAddr: entry.bindAddr, port: entry.port)
                )
            )
        }
        for entry in config.wsPeers {
            guard let url = WebSocketURL(entry.address) else {
                throw ConfigError(entry: "ws-peer", index: entry.index, field: "address", message: "invalid URL \(entry.address)")
            }
            var tls = entry.tls.flatMap { tlsRegistry.clients[$0] }
            if url.secure, tls == nil {
                tls = try Self.defaultWSSClientTLS(index: entry.index)
            }
            let header = entry.extraHeaderField.map {
                (name: $0.name.trimmingSpaces, value: $0.value.trimmingSpaces)
            }
            let proxy: HTTPProxySettings.Proxy?
            do {
                proxy = try HTTPProxySettings(environment: ProcessInfo.processInfo.environment).proxy(for: url)
            } catch {
                throw ConfigError(entry: "ws-peer", index: entry.index, field: "address", message: "\(error)")
            }
            made.append(
                WSDialer.make(
                    url: url,
                    redial: entry.redial,
                    tls: tls,
                    extraHeader: header,
                    proxy: proxy,
                    handshake: handshake(cost: entry.cost, allowedPeers: entry.allowedPeers),
                    core: core
                )
            )
        }
        return made
    }

    /// TLS for a `wss://` peer without `tls`: system roots, host name checked, no client certificate.
    private static func defaultWSSClientTLS(index: Int) throws -> TLSSetup {
        do {
            let context = try NIOSSLContext(configuration: .makeClientConfiguration())
            return TLSSetup(name: "default", context: context, verifier: nil, checkNodeIDs: false)
        } catch {
            throw ConfigError(entry: "ws-peer", index: index, field: "tls", message: "cannot load the default TLS client configuration: \(error)")
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
