import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// The second half of every "mesh service forwards to a local socket" proxy (`tcp-client`,
/// `unix-socket-client`): connect the local socket, then bridge it with the mesh stream; if the
/// connect fails, reset the stream with the reason.
enum LocalBridge {
    static func connect(
        _ remote: any ByteDuplex,
        loop: any EventLoop,
        tls: TLSSetup? = nil,
        serverHostname: String? = nil,
        target: String,
        logger: Logger,
        dial: (ClientBootstrap) -> EventLoopFuture<any Channel>
    ) {
        remote.setReading(false)
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
                    try channel.pipeline.syncOperations.addHandler(ChannelDuplex())
                }
            }
        dial(bootstrap).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                let duplex: ChannelDuplex
                do {
                    duplex = try channel.pipeline.syncOperations.handler(type: ChannelDuplex.self)
                } catch {
                    logger.error("the connection to \(target) has no duplex handler: \(error)")
                    channel.close(promise: nil)
                    remote.close(error: "internal error")
                    return
                }
                StreamBridge(remote, duplex)
            case .failure(let error):
                logger.warning("could not connect to \(target): \(error)")
                remote.close(error: "connection to \(target) failed: \(error)")
            }
        }
    }
}
