import Logging
import NIOCore

/// Opens or accepts a stream as a ``MeshStreamChannel``, optionally with TLS above the mesh.
///
/// The caller's `initializer` adds the handlers that consume the stream (a ``GlueHandler``, a
/// control session, a remote-work client) before the channel becomes active, behind the TLS
/// handler when there is one, so no byte can arrive before its consumer. Channels allow remote
/// half-closure: every user of a stream passes ends of input on.
enum MeshDialer {
    /// Dials (`node`, `service`); succeeds with the active channel once the stream is open (and
    /// the TLS handshake, with `tls`, has completed), or fails with the mesh's reason.
    static func dial(
        core: MeshCore,
        node: String,
        service: String,
        tls: TLSSetup?,
        logger: Logger,
        initializer: @escaping (MeshStreamChannel) throws -> Void = { _ in }
    ) -> EventLoopFuture<MeshStreamChannel> {
        core.streams.open(node: node, service: service).assumeIsolated().flatMap { stream in
            start(stream, role: .client(expectedNode: node), tls: tls, loop: core.loop, logger: logger, initializer: initializer)
        }.nonisolated()
    }

    /// Accept side: the channel of an accepted stream, with TLS when the service has a tls-server.
    static func accept(
        _ stream: MeshStream,
        tls: TLSSetup?,
        core: MeshCore,
        logger: Logger,
        initializer: @escaping (MeshStreamChannel) throws -> Void = { _ in }
    ) -> EventLoopFuture<MeshStreamChannel> {
        start(stream, role: .server(connectingNode: stream.key.remoteNode), tls: tls, loop: core.loop, logger: logger, initializer: initializer)
    }

    private static func start(
        _ stream: MeshStream,
        role: StreamTLS.Role,
        tls: TLSSetup?,
        loop: any EventLoop,
        logger: Logger,
        initializer: (MeshStreamChannel) throws -> Void
    ) -> EventLoopFuture<MeshStreamChannel> {
        var handshake: EventLoopFuture<Void>?
        let started = MeshStreamChannel.start(stream, eventLoop: loop) { channel in
            channel.allowRemoteHalfClosure = true
            if let tls { handshake = try StreamTLS.addHandlers(to: channel, role: role, tls: tls, logger: logger) }
            try initializer(channel)
        }
        switch started {
        case .failure(let error):
            return loop.makeFailedFuture(error)
        case .success(let channel):
            guard let handshake else { return loop.makeSucceededFuture(channel) }
            return handshake.map { channel }
        }
    }
}
