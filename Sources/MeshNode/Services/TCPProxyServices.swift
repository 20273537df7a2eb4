import Logging
import MeshConfig
import MeshProtocol
import NIOCore
import NIOPosix
import NIOSSL

/// `tcp-server`: a local TCP port whose every connection is carried over a mesh stream to
/// (`remotenode`, `remoteservice`).
final class TCPServerProxy {
    private let entry: TCPServerEntry
    private unowned let core: MeshCore
    private let tls: TLSSetup?
    private var channel: (any Channel)?
    private let logger: Logger

    /// TLS towards the mesh peer (`tlsclient`), end to end above the mesh.
    private let meshTLS: TLSSetup?

    init(entry: TCPServerEntry, core: MeshCore, tls: TLSSetup?, meshTLS: TLSSetup?, logger: Logger) {
        self.entry = entry
        self.core = core
        self.tls = tls
        self.meshTLS = meshTLS
        self.logger = logger
    }

    func start() -> EventLoopFuture<Void> {
        let loop = core.loop
        let coreBound = NIOLoopBound(core, eventLoop: loop)
        let remoteNode = entry.remoteNode.lowercased() == "localhost" ? core.localNode : entry.remoteNode
        let remoteService = entry.remoteService
        let tls = self.tls
        let meshTLS = self.meshTLS
        let logger = self.logger
        let bound = NIOLoopBound(self, eventLoop: loop)
        return ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                do {
                    let ops = channel.pipeline.syncOperations
                    if let tls { try ops.addHandler(NIOSSLServerHandler(context: tls.context)) }
                    try LocalBridge.forwardToMesh(
                        channel,
                        core: coreBound.value,
                        node: remoteNode,
                        service: remoteService,
                        tls: meshTLS,
                        proxy: "tcp-server",
                        logger: logger
                    )
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .bind(host: entry.bindAddr, port: entry.port)
            .map { bound.value.channel = $0 }
    }

    func stop() {
        channel?.close(promise: nil)
        channel = nil
    }
}

/// `tcp-client`: a mesh service whose every stream is forwarded to a local TCP address.
final class TCPClientProxy {
    private let entry: TCPClientEntry
    private unowned let core: MeshCore
    private let logger: Logger

    /// TLS towards the mesh peer (`tlsserver`), end to end above the mesh.
    private let meshTLS: TLSSetup?
    /// TLS towards the local TCP server (`tlsclient`).
    private let localTLS: TLSSetup?

    init(entry: TCPClientEntry, core: MeshCore, meshTLS: TLSSetup?, localTLS: TLSSetup?, logger: Logger) {
        self.entry = entry
        self.core = core
        self.meshTLS = meshTLS
        self.localTLS = localTLS
        self.logger = logger
    }

    func start() throws {
        guard let address = HostPort(entry.address) else {
            throw ConfigError(entry: "tcp-client", index: nil, field: "address", message: "invalid address \(entry.address)")
        }
        let loop = core.loop
        let logger = self.logger
        let localTLS = self.localTLS
        try core.offerStreamService(
            entry.service,
            tls: meshTLS,
            tags: ["type": "TCP Proxy", "address": entry.address],
            entry: "tcp-client",
            index: nil,
            logger: logger
        ) { remote, glue in
            LocalBridge.connect(
                remote,
                glue: glue,
                loop: loop,
                tls: localTLS,
                serverHostname: LinkPipeline.sniHost(address.host),
                target: "\(address)",
                logger: logger
            ) { $0.channelOption(.socketOption(.tcp_nodelay), value: 1).connect(host: address.host, port: address.port) }
        }
    }

    func stop() {
        core.withdrawStreamService(entry.service)
    }
}
