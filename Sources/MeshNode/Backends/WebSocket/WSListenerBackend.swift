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
enum WSListenerBackend {
    /// How long a connection may take to present its upgrade request.
    static let upgradeTimeout: TimeAmount = .seconds(10)
    private static let deadlineName = "ws-upgrade-deadline"
    private static let notFoundName = "ws-not-found"

    /// - Parameters:
    ///   - path: the URL path to upgrade on (a missing leading `/` is added).
    ///   - bindError: turns a bind failure into the error `start()` reports.
    static func make(
        address: HostPort,
        path: String,
        tls: TLSSetup?,
        handshake: LinkHandshake,
        core: MeshCore,
        bindError: @escaping @Sendable (any Error) -> any Error = { $0 }
    ) -> ConnectionListener {
        let path = path.hasPrefix("/") ? path : "/" + path
        // How links of this listener are named in logs, e.g. `ws-listener ws://0.0.0.0:8080/mesh`.
        let description = "ws-listener \(tls == nil ? "ws" : "wss")://\(address)\(path)"
        let coreBound = NIOLoopBound(core, eventLoop: core.loop)
        return ConnectionListener(address: address, loop: core.loop, bindError: bindError) { channel in
            try configureConnection(channel, path: path, tls: tls, handshake: handshake, core: coreBound, description: description)
        }
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
