import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A `ws-listener`: an HTTP server (HTTPS with a `tls-server`) that turns WebSocket upgrades on
/// its `path` into links.
///
/// Pipeline of an accepted connection:
/// `[NIOSSLServerHandler] -> HTTP server handlers + upgrade handler -> WSNotFoundResponder`, plus a
/// ``HandshakeDeadline`` that closes the connection unless the upgrade is done within
/// ``upgradeTimeout`` (TLS handshake and request headers together). After the upgrade:
/// `[NIOSSLServerHandler] -> WebSocket frame codec -> WebSocketLinkAdapter ->
/// ByteToMessageHandler(LinkFrameDecoder) -> LinkHandler` (role listener).
///
/// The path must match exactly (the query is ignored); any other request, upgrade or not, gets
/// 404 and the connection is closed. Requests that are not HTTP get 400.
final class WSListenerBackend: LinkBackend {
    private let address: HostPort
    private let path: String
    private let tls: TLSSetup?
    private let handshake: LinkHandshake
    private unowned let core: MeshCore
    private var serverChannel: (any Channel)?
    private let bindError: @Sendable (any Error) -> any Error

    /// How long a connection may take to present its upgrade request.
    static let upgradeTimeout: TimeAmount = .seconds(10)
    private static let deadlineName = "ws-upgrade-deadline"
    private static let notFoundName = "ws-not-found"

    /// - Parameters:
    ///   - path: the URL path to upgrade on (a missing leading `/` is added).
    ///   - bindError: turns a bind failure into the error `start()` reports.
    init(
        address: HostPort,
        path: String,
        tls: TLSSetup?,
        handshake: LinkHandshake,
        core: MeshCore,
        bindError: @escaping @Sendable (any Error) -> any Error = { $0 }
    ) {
        self.address = address
        self.path = path.hasPrefix("/") ? path : "/" + path
        self.tls = tls
        self.handshake = handshake
        self.core = core
        self.bindError = bindError
    }

    /// How links of this listener are named in logs, e.g. `ws-listener ws://0.0.0.0:8080/mesh`.
    var description: String { "ws-listener \(tls == nil ? "ws" : "wss")://\(address)\(path)" }

    /// Binds the port. The returned future fails if the address is in use.
    func start() -> EventLoopFuture<Void> {
        let loop = core.loop
        let coreBound = NIOLoopBound(core, eventLoop: loop)
        let tls = self.tls
        let handshake = self.handshake
        let path = self.path
        let description = self.description
        let bound = NIOLoopBound(self, eventLoop: loop)
        return ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 128 << 10, high: 512 << 10))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.configureConnection(
                        channel,
                        path: path,
                        tls: tls,
                        handshake: handshake,
                        core: coreBound,
                        description: description
                    )
                }
            }
            .bind(host: address.host, port: address.port)
            .map { channel in
                bound.value.serverChannel = channel
            }
            .flatMapErrorThrowing { [bindError] error in throw bindError(error) }
    }

    /// The bound port (useful when configured as 0).
    var boundPort: Int? { serverChannel?.localAddress?.port }

    func stop() {
        serverChannel?.close(promise: nil)
        serverChannel = nil
    }

    private static func configureConnection(
        _ channel: any Channel,
        path: String,
        tls: TLSSetup?,
        handshake: LinkHandshake,
        core: NIOLoopBound<MeshCore>,
        description: String
    ) throws {
        let logger = LinkPipeline.logger(core: core.value, backendDescription: description)
        let identity = try LinkPipeline.addTLS(to: channel, role: .listener, tls: tls, serverHostname: nil, logger: logger)
        let ops = channel.pipeline.syncOperations
        try ops.addHandler(HandshakeDeadline(deadline: upgradeTimeout, endsWithTLSHandshake: false), name: deadlineName)
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: WebSocketLinkAdapter.maximumFrameSize,
            automaticErrorHandling: false,  // WebSocketLinkAdapter handles decoder errors
            shouldUpgrade: { channel, head in
                let wanted = WebSocketURL.path(ofRequestTarget: head.uri) == path
                if !wanted {
                    logger.debug("websocket upgrade refused", metadata: ["path": "\(head.uri)"])
                }
                return channel.eventLoop.makeSucceededFuture(wanted ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    ops.removeHandler(name: deadlineName, promise: nil)
                    ops.removeHandler(name: notFoundName, promise: nil)
                    try ops.addHandler(WebSocketLinkAdapter(side: .server))
                    try LinkPipeline.addLinkHandlers(
                        to: channel,
                        role: .listener,
                        peerIdentity: identity,
                        handshake: handshake,
                        core: core.value,
                        backendDescription: description,
                        logger: logger
                    )
                }
            }
        )
        try ops.configureHTTPServerPipeline(
            withPipeliningAssistance: false,
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }),
            withErrorHandling: true
        )
        try ops.addHandler(WSNotFoundResponder(), name: notFoundName)
    }
}
