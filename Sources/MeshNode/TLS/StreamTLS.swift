import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// TLS on top of a mesh stream ("above the mesh": `connect ... tlsclient`, a control service with
/// `tls`, the proxies' mesh-side TLS), end to end between the two nodes, so hops carry ciphertext.
///
/// NIOSSL's handler goes straight into the stream's ``MeshStreamChannel`` pipeline, exactly as
/// the links use it (same verification, same half-close handling). (Before the stream was a
/// channel, the handler ran on one end of a local socket pair bridged to the stream: a copy
/// through the kernel per direction, now gone.) The client requires the certificate to name the
/// node it dialled; a server that verifies clients requires the certificate to name the node that
/// opened the stream.
enum StreamTLS {
    /// Which end of the TLS session this node is.
    enum Role {
        case client(expectedNode: String)
        case server(connectingNode: String)
    }

    /// Adds the TLS handler (and a watcher) to a new stream channel, in front of the handlers the
    /// caller adds next. The future succeeds once the handshake has completed and fails if the
    /// channel closes first.
    static func addHandlers(
        to channel: MeshStreamChannel,
        role: Role,
        tls: TLSSetup,
        logger: Logger
    ) throws -> EventLoopFuture<Void> {
        let handshake = channel.eventLoop.makePromise(of: Void.self)
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
        try ops.addHandler(HandshakeWatcher(promise: handshake))
        return handshake.futureResult
    }
}

/// Completes a promise when the TLS handshake finishes (or fails when the channel dies first).
private final class HandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private var promise: EventLoopPromise<Void>?
    private var lastError: (any Error)?

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.handshakeCompleted) = event as? TLSUserEvent, let p = promise {
            promise = nil
            p.succeed()
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
