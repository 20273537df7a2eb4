import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// TLS on top of a mesh stream ("above the mesh": `connect ... tlsclient`, a control service with
/// `tls`, the proxies' mesh-side TLS), end to end between the two nodes, so hops carry ciphertext.
///
/// The stream is not a NIO channel, so the TLS handler runs on one end of a local socket pair whose
/// other end is bridged to the stream. That costs a copy through the kernel per direction, and buys
/// NIOSSL exactly as the links use it (same verification, same half-close handling) with no second
/// TLS code path. The client requires the certificate to name the node it dialled; a server that
/// verifies clients requires the certificate to name the node that opened the stream.
enum StreamTLS {
    /// Which end of the TLS session this node is.
    enum Role {
        case client(expectedNode: String)
        case server(connectingNode: String)
    }

    /// Wraps `stream`; succeeds with the plaintext side once the handshake has completed.
    static func wrap(
        _ stream: MeshStream,
        role: Role,
        tls: TLSSetup,
        loop: any EventLoop,
        logger: Logger
    ) -> EventLoopFuture<ChannelDuplex> {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
            stream.close(error: "TLS setup failed")
            return loop.makeFailedFuture(MeshStreamError(message: "socketpair failed: errno \(errno)"))
        }
        let handshake = loop.makePromise(of: ChannelDuplex.self)
        let streamBound = NIOLoopBound(stream, eventLoop: loop)
        let rawSide = ClientBootstrap(group: loop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ChannelDuplex())
                }
            }
            .withConnectedSocket(fds[0])
        let plainSide = ClientBootstrap(group: loop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    let onFailure: @Sendable (String) -> Void = { reason in
                        logger.warning("refused TLS peer on a mesh stream", metadata: ["reason": "\(reason)"])
                    }
                    switch role {
                    case .client(let node):
                        if let verifier = tls.verifier {
                            try ops.addHandler(
                                NIOSSLClientHandler(
                                    context: tls.context,
                                    serverHostname: nil,
                                    customVerificationCallback: verifier.callback(
                                        identity: nil,
                                        requiredNodeID: tls.checkNodeIDs ? node : nil,
                                        onFailure: onFailure
                                    )
                                )
                            )
                        } else {
                            try ops.addHandler(NIOSSLClientHandler(context: tls.context, serverHostname: nil))
                        }
                    case .server(let node):
                        if let verifier = tls.verifier {
                            try ops.addHandler(
                                NIOSSLServerHandler(
                                    context: tls.context,
                                    customVerificationCallback: verifier.callback(
                                        identity: nil,
                                        requiredNodeID: tls.checkNodeIDs ? node : nil,
                                        onFailure: onFailure
                                    )
                                )
                            )
                        } else {
                            try ops.addHandler(NIOSSLServerHandler(context: tls.context))
                        }
                    }
                    let duplex = ChannelDuplex()
                    try ops.addHandler(HandshakeWatcher(duplex: duplex, promise: handshake))
                    try ops.addHandler(duplex)
                }
            }
            .withConnectedSocket(fds[1])
        rawSide.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                let raw: ChannelDuplex
                do {
                    raw = try channel.pipeline.syncOperations.handler(type: ChannelDuplex.self)
                } catch {
                    // Without the bridge the stream would hang: end it and say why.
                    logger.error("TLS on a mesh stream: the socket-pair channel has no duplex handler: \(error)")
                    channel.close(promise: nil)
                    streamBound.value.close(error: "TLS setup failed")
                    handshake.fail(error)
                    return
                }
                StreamBridge(raw, streamBound.value)
            case .failure(let error):
                streamBound.value.close(error: "TLS setup failed")
                handshake.fail(error)
            }
        }
        plainSide.whenFailure { error in handshake.fail(error) }
        return handshake.futureResult
    }
}

/// Completes a promise when the TLS handshake finishes (or fails when the channel dies first).
private final class HandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private let duplex: ChannelDuplex
    private var promise: EventLoopPromise<ChannelDuplex>?
    private var lastError: (any Error)?

    init(duplex: ChannelDuplex, promise: EventLoopPromise<ChannelDuplex>) {
        self.duplex = duplex
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.handshakeCompleted) = event as? TLSUserEvent, let p = promise {
            promise = nil
            p.assumeIsolated().succeed(duplex)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        lastError = error
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let p = promise {
            promise = nil
            p.fail(MeshStreamError(message: "TLS handshake failed: \(lastError.map { "\($0)" } ?? "connection closed")"))
        }
        context.fireChannelInactive()
    }
}
