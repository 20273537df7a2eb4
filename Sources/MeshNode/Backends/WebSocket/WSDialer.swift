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
/// (role dialer).
final class WSDialer: LinkBackend {
    private let url: WebSocketURL
    private let tls: TLSSetup?
    private let extraHeader: (name: String, value: String)?
    private let handshake: LinkHandshake
    private unowned let core: MeshCore
    private let redialer: Redialer
    private var channel: (any Channel)?
    private var running = false
    private let logger: Logger

    /// How long the TLS handshake and the HTTP upgrade may take together.
    static let upgradeTimeout: TimeAmount = .seconds(10)
    private static let deadlineName = "ws-upgrade-deadline"
    private static let requesterName = "ws-upgrade-request"

    /// - Parameters:
    ///   - tls: used for `wss://` URLs only (the caller supplies a default for `wss://` without a
    ///     `tls-client`).
    ///   - extraHeader: sent on the upgrade request.
    init(
        url: WebSocketURL,
        redial: Bool,
        tls: TLSSetup?,
        extraHeader: (name: String, value: String)?,
        handshake: LinkHandshake,
        core: MeshCore
    ) {
        self.url = url
        self.tls = url.secure ? tls : nil
        self.extraHeader = extraHeader
        self.handshake = handshake
        self.core = core
        var logger = core.logger
        logger[metadataKey: "peer-address"] = "\(url)"
        self.logger = logger
        self.redialer = Redialer(loop: core.loop, redial: redial, logger: logger)
    }

    /// How links of this peer are named in logs, e.g. `ws-peer ws://hub:8080/mesh`.
    var description: String { "ws-peer \(url)" }

    func start() -> EventLoopFuture<Void> {
        running = true
        dial()
        return core.loop.makeSucceededVoidFuture()
    }

    var boundPort: Int? { nil }

    func stop() {
        running = false
        redialer.cancel()
        channel?.close(promise: nil)
        channel = nil
    }

    private func dial() {
        guard running else { return }
        let loop = core.loop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let coreBound = NIOLoopBound(core, eventLoop: loop)
        let url = self.url
        let tls = self.tls
        let handshake = self.handshake
        let description = self.description
        let extraHeader = self.extraHeader.map { Header(name: $0.name, value: $0.value) }
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: .init(low: 128 << 10, high: 512 << 10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.configureConnection(
                        channel,
                        url: url,
                        tls: tls,
                        extraHeader: extraHeader,
                        handshake: handshake,
                        core: coreBound,
                        dialer: bound,
                        description: description
                    )
                }
            }
            .connect(host: url.host, port: url.port)
            .assumeIsolated()
            .whenComplete { result in
                let me = bound.value
                switch result {
                case .success(let channel):
                    guard me.running else {
                        channel.close(promise: nil)
                        return
                    }
                    me.channel = channel
                    channel.closeFuture.assumeIsolated().whenComplete { _ in
                        me.channel = nil
                        me.scheduleRedial(after: "link closed")
                    }
                case .failure(let error):
                    me.scheduleRedial(after: "dial failed: \(error)")
                }
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
        dialer: NIOLoopBound<WSDialer>,
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
                        onEstablished: { dialer.value.redialer.linkEstablished() }
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

    private func scheduleRedial(after reason: String) {
        guard running else { return }
        redialer.schedule(after: reason) { [weak self] in self?.dial() }
    }
}
