import MeshProtocol
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import MeshNode

/// Two cores linked through NIO's WebSocket frame codec and the adapter, in memory: the pipeline a
/// `ws-listener` and a `ws-peer` have after the upgrade.
private final class WebSocketWire {
    let loop = EmbeddedEventLoop()
    let directory: String
    let coreA: MeshCore
    let coreB: MeshCore
    let dialer: EmbeddedChannel
    let listener: EmbeddedChannel
    let dialerLink: LinkHandler
    let listenerLink: LinkHandler
    /// Raw bytes the dialer (WebSocket client) put on the wire.
    var clientBytes: [UInt8] = []

    init() throws {
        directory = try makeTemporaryDirectory()
        coreA = MeshCore(settings: MeshSettings(nodeID: "A", dataDirectory: directory, version: "test"), loop: loop, logger: quietLogger)
        coreB = MeshCore(settings: MeshSettings(nodeID: "B", dataDirectory: directory, version: "test"), loop: loop, logger: quietLogger)
        coreA.start()
        coreB.start()
        dialer = try Self.end(core: coreA, side: .client, role: .dialer, loop: loop)
        listener = try Self.end(core: coreB, side: .server, role: .listener, loop: loop)
        dialerLink = try dialer.pipeline.syncOperations.handler(type: LinkHandler.self)
        listenerLink = try listener.pipeline.syncOperations.handler(type: LinkHandler.self)
    }

    private static func end(core: MeshCore, side: WebSocketLinkAdapter.Side, role: LinkHandler.Role, loop: EmbeddedEventLoop) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandlers([
            WebSocketFrameEncoder(),
            ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: WebSocketLinkAdapter.maximumFrameSize)),
            WebSocketLinkAdapter(side: side),
        ])
        try LinkPipeline.addLinkHandlers(
            to: channel,
            role: role,
            peerIdentity: nil,
            handshake: LinkHandshake(localNode: core.localNode, cost: 1, nodeCost: [:], allowedPeers: nil),
            core: core,
            backendDescription: "ws-test",
            logger: quietLogger
        )
        return channel
    }

    func connect() throws {
        try listener.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try dialer.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
        try pump()
    }

    /// Moves bytes both ways until both ends are quiet.
    func pump() throws {
        var moved = true
        while moved {
            moved = false
            loop.run()
            while let b = try dialer.readOutbound(as: ByteBuffer.self) {
                moved = true
                clientBytes += b.readableBytesView
                if listener.isActive { try listener.writeInbound(b) }
            }
            while let b = try listener.readOutbound(as: ByteBuffer.self) {
                moved = true
                if dialer.isActive { try dialer.writeInbound(b) }
            }
        }
    }

    func close() {
        _ = try? dialer.finish(acceptAlreadyClosed: true)
        _ = try? listener.finish(acceptAlreadyClosed: true)
        try? loop.syncShutdownGracefully()
        removeTemporaryDirectory(directory)
    }
}

@Suite("link over WebSocket frames")
struct WebSocketLinkTests {
    @Test("hello, heartbeats and routing run over WebSocket framing; the link stays up")
    func linkComesUpAndStays() throws {
        let wire = try WebSocketWire()
        defer { wire.close() }
        try wire.connect()
        #expect(wire.dialerLink.peer == "B")
        #expect(wire.listenerLink.peer == "A")
        // Every frame the client sent is a masked binary frame (first frame checked here).
        #expect(wire.clientBytes.count > 6)
        #expect(wire.clientBytes[0] == 0x82)
        #expect(wire.clientBytes[1] & 0x80 != 0)
        // Well past the dead-peer timeout, heartbeats keep the link alive.
        for _ in 0..<300 {
            wire.loop.advanceTime(by: .milliseconds(10))
            try wire.pump()
        }
        #expect(wire.dialerLink.peer == "B")
        #expect(wire.dialer.isActive && wire.listener.isActive)
        #expect(wire.dialerLink.lastRTT != nil)
    }

    @Test("a text frame from the peer ends the link at both ends")
    func textFrameEndsLink() throws {
        let wire = try WebSocketWire()
        defer { wire.close() }
        try wire.connect()
        #expect(wire.listenerLink.peer == "A")
        // A masked text frame, as raw bytes: FIN + text, mask bit + length, key, masked payload.
        let key: [UInt8] = [0x11, 0x22, 0x33, 0x44]
        let payload = Array("garbage".utf8)
        var raw = ByteBuffer(bytes: [0x81, 0x80 | UInt8(payload.count)] + key)
        raw.writeBytes(payload.enumerated().map { $0.element ^ key[$0.offset % 4] })
        try wire.listener.writeInbound(raw)
        try wire.pump()
        #expect(!wire.listener.isActive)
        #expect(wire.listenerLink.peer == nil)
        // The dialer got the close frame (1003) and closed its side too.
        #expect(!wire.dialer.isActive)
        #expect(wire.dialerLink.peer == nil)
    }
}
