import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// The second half of every "mesh service forwards to a local socket" proxy (`tcp-client`,
/// `unix-socket-client`): connect the local socket, then connect its glue with the stream's; if
/// the connect fails, reset the stream with the reason.
enum LocalBridge {
    static func connect(
        _ remote: MeshStreamChannel,
        glue remoteGlue: GlueHandler,
        loop: any EventLoop,
        tls: TLSSetup? = nil,
        serverHostname: String? = nil,
        target: String,
        logger: Logger,
        dial: (ClientBootstrap) -> EventLoopFuture<any Channel>
    ) {
        let localGlue = NIOLoopBound(GlueHandler(), eventLoop: loop)
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls.context, serverHostname: serverHostname)
                        )
                    }
                    try channel.pipeline.syncOperations.addHandler(localGlue.value)
                }
            }
        dial(bootstrap).assumeIsolated().whenComplete { result in
            switch result {
            case .success:
                GlueHandler.connect(remoteGlue, localGlue.value)
            case .failure(let error):
                logger.warning("could not connect to \(target): \(error)")
                remote.triggerUserOutboundEvent(MeshStreamReset(reason: "connection to \(target) failed: \(error)"), promise: nil)
            }
        }
    }
}

extension LocalBridge {
    /// The first half of every "local socket forwards to a mesh service" proxy (`tcp-server`,
    /// `unix-socket-server`), set up in the accepted connection's initializer: a glue ends
    /// `local`'s pipeline, and once the connection is active it is carried over a stream to
    /// (`node`, `service`). If the stream cannot be opened, the connection is closed and the
    /// reason logged.
    static func forwardToMesh(
        _ local: any Channel,
        core: MeshCore,
        node: String,
        service: String,
        tls: TLSSetup?,
        proxy: String,
        logger: Logger
    ) throws {
        let localGlue = GlueHandler()
        try local.pipeline.syncOperations.addHandler(localGlue)
        try local.pipeline.syncOperations.addHandler(
            ActivationHandler {
                let remoteGlue = GlueHandler()
                MeshDialer.dial(core: core, node: node, service: service, tls: tls, logger: logger) { channel in
                    try channel.pipeline.syncOperations.addHandler(remoteGlue)
                }.assumeIsolated().whenComplete { result in
                    switch result {
                    case .success:
                        GlueHandler.connect(localGlue, remoteGlue)
                    case .failure(let error):
                        logger.warning("\(proxy) could not reach \(node):\(service): \(error)")
                        local.close(promise: nil)
                    }
                }
            }
        )
    }
}
