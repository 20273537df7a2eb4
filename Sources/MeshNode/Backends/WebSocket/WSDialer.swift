import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A `ws-peer`: dials a `ws://` or `wss://` URL, upgrades the connection to WebSocket, keeps the
/// link up, and redials with backoff (as `TCPDialer`) when it drops or the upgrade fails.
///
/// Pipeline: `[NIOSSLClientHandler] -> HTTP client handlers + upgrade handler ->
/// WSUpgradeRequester`, with a ``HandshakeDeadline`` of ``upgradeTimeout`` for the TLS handshake
/// and the upgrade together. After the `101`: `[NIOSSLClientHandler] -> WebSocket frame codec ->
/// WebSocketLinkAdapter (masking) -> ByteToMessageHandler(LinkFrameDecoder) -> LinkHandler`
/// (role dialer). With an HTTP proxy in the environment (``HTTPProxySettings``) the connection goes
/// to the proxy and starts with an ``HTTPConnectTunnel``; the rest follows inside the tunnel.
enum WSDialer {
    /// How long the TLS handshake and the HTTP upgrade may take together.
    static let upgradeTimeout: TimeAmount = .seconds(10)
    private static let deadlineName = "ws-upgrade-deadline"
    private static let requesterName = "ws-upgrade-request"

    /// - Parameters:
    ///   - tls: used for `wss://` URLs only (the caller supplies a default for `wss://` without a
    ///     `tls-client`).
    ///   - extraHeader: sent on the upgrade request.
    static func make(
        url: WebSocketURL,
        redial: Bool,
        tls: TLSSetup?,
        extraHeader: (name: String, value: String)?,
        proxy: HTTPProxySettings.Proxy? = nil,
        handshake: LinkHandshake,
        core: MeshCore
    ) -> ConnectionKeeper {
        var logger = core.logger
        logger[metadataKey: "peer-address"] = "\(url)"
        let coreBound = NIOLoopBound(core, eventLoop: core.loop)
        let tls = url.secure ? tls : nil
        let header = extraHeader.map { Header(name: $0.name, value: $0.value) }
        // How links of this peer are named in logs, e.g. `ws-peer ws://hub:8080/mesh`.
        let description = "ws-peer \(url)"
        if let proxy {
            logger.info("dialling through an HTTP proxy", metadata: ["proxy": "\(proxy)"])
        }
        let tunnelLogger = logger
        return ConnectionKeeper(
            host: proxy?.host ?? url.host,
            port: proxy?.port ?? url.port,
            loop: core.loop,
            redialer: Redialer(loop: core.loop, redial: redial, logger: logger)
        ) { channel, established in
            let configure: (any Channel) throws -> Void = { channel in
                try configureConnection(
                    channel,
                    url: url,
                    tls: tls,
                    extraHeader: header,
                    handshake: handshake,
                    core: coreBound,
                    established: established,
                    description: description
                )
            }
            guard let proxy else { return try configure(channel) }
            // Through a proxy: CONNECT first; TLS and the upgrade start inside the tunnel.
            try channel.pipeline.syncOperations.addHandler(
                HTTPConnectTunnel(
                    target: "\(url.bracketedHost):\(url.port)",
                    authorization: proxy.authorization,
                    logger: tunnelLogger,
                    established: configure
                )
            )
        }
    }

    /// A Sendable copy of the extra header for the channel initializer.
    private struct Header: Sendable {
        var name: String
        var value: String
    }

    private static func configureConnection(
        _ channel: any Channel,
        url: WebSocketURL,
        tls: TLSSetup?,
        extraHeader: Header?,
        handshake: LinkHandshake,
        core: NIOLoopBound<MeshCore>,
        established: @escaping @Sendable () -> Void,
        description: String
    ) throws {
        let logger = LinkPipeline.logger(core: core.value, backendDescription: description)
        let identity = try LinkPipeline.addTLS(
            to: channel,
            role: .dialer,
            tls: tls,
            serverHostname: LinkPipeline.sniHost(url.host),
            logger: logger
        )
        let ops = channel.pipeline.syncOperations
        try ops.addHandler(HandshakeDeadline(deadline: upgradeTimeout, endsWithTLSHandshake: false), name: deadlineName)
        let upgrader = NIOWebSocketClientUpgrader(
            maxFrameSize: WebSocketLinkAdapter.maximumFrameSize,
            automaticErrorHandling: false,  // WebSocketLinkAdapter handles decoder errors
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    ops.removeHandler(name: deadlineName, promise: nil)
                    ops.removeHandler(name: requesterName, promise: nil)
                    try ops.addHandler(WebSocketLinkAdapter(side: .client))
                    try LinkPipeline.addLinkHandlers(
                        to: channel,
                        role: .dialer,
                        peerIdentity: identity,
                        handshake: handshake,
                        core: core.value,
                        backendDescription: description,
                        logger: logger,
                        onEstablished: established
                    )
                }
            }
        )
        try ops.addHTTPClientHandlers(
            leftOverBytesStrategy: .forwardBytes,
            withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
        )
        try ops.addHandler(
            WSUpgradeRequester(url: url, extraHeader: extraHeader.map { ($0.name, $0.value) }, logger: logger),
            name: requesterName
        )
    }
}
