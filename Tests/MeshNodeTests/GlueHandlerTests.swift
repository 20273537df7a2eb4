import NIOCore
import NIOEmbedded
import Testing

@testable import MeshNode

/// Counts the `read()` calls that reach the head of a pipeline.
private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Any
    var reads = 0
    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

@Suite("Glue between channels")
struct GlueHandlerTests {
    static func outbound(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let b = try channel.readOutbound(as: ByteBuffer.self) { bytes += b.readableBytesView }
        return bytes
    }

    /// The old bug, pinned at the glue: a connection that closed while its partner could take no
    /// more lost the bytes it had read. Now they are all written to the partner, which closes
    /// only after them.
    @Test("bytes read while the partner is unwritable survive the close, in order, before the partner's close")
    func closeWhilePartnerUnwritable() throws {
        let loop = EmbeddedEventLoop()
        let a = EmbeddedChannel(loop: loop)
        let b = EmbeddedChannel(loop: loop)
        try a.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try b.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
        try GlueHandler.join(a, b)
        b.isWritable = false
        b.pipeline.fireChannelWritabilityChanged()
        try a.writeInbound(ByteBuffer(string: "a"))
        try a.writeInbound(ByteBuffer(string: "b"))
        try a.writeInbound(ByteBuffer(string: "c"))
        try a.close().wait()
        loop.run()
        #expect(try Self.outbound(b) == Array("abc".utf8))
        #expect(!b.isActive, "the partner closed after the bytes")
    }

    @Test("a side reads only while its partner is writable")
    func backpressure() throws {
        let loop = EmbeddedEventLoop()
        let counter = ReadCounter()
        let a = EmbeddedChannel(handler: counter, loop: loop)
        let b = EmbeddedChannel(loop: loop)
        try a.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try b.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
        try GlueHandler.join(a, b)
        let before = counter.reads
        a.read()
        #expect(counter.reads == before + 1)
        b.isWritable = false
        b.pipeline.fireChannelWritabilityChanged()
        a.read()
        #expect(counter.reads == before + 1, "held while the partner cannot take more")
        b.isWritable = true
        b.pipeline.fireChannelWritabilityChanged()
        #expect(counter.reads == before + 2, "the held read goes once the partner drains")
    }

    @Test("an unconnected glue holds what arrives (reads stop after the first) and hands it over, end and close included")
    func holdsUntilConnected() throws {
        let loop = EmbeddedEventLoop()
        let counter = ReadCounter()
        let a = EmbeddedChannel(handler: counter, loop: loop)
        let glueA = GlueHandler()
        try a.pipeline.syncOperations.addHandler(glueA)
        try a.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let before = counter.reads
        a.read()
        #expect(counter.reads == before + 1, "reads pass while nothing is held (a TLS handshake below needs them)")
        try a.writeInbound(ByteBuffer(string: "early"))
        a.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        a.read()
        #expect(counter.reads == before + 1, "nothing more is read while bytes are held")
        let b = EmbeddedChannel(loop: loop)
        try b.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
        let glueB = GlueHandler()
        try b.pipeline.syncOperations.addHandler(glueB)
        GlueHandler.connect(glueA, glueB)
        loop.run()
        #expect(try Self.outbound(b) == Array("early".utf8))
        #expect(!b.isActive, "the held end of input closed the partner's output (a full close on EmbeddedChannel)")
    }

    @Test("a socket glued to a mesh stream: bytes and ends both ways, then everything closes")
    func socketToStream() throws {
        let pair = try ChannelPair()
        let local = EmbeddedChannel(loop: pair.net.loop)
        try local.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        pair.client.pipeline.syncOperations.removeHandler(pair.clientRecorder, promise: nil)
        try GlueHandler.join(local, pair.client)
        try local.writeInbound(ByteBuffer(string: "request"))
        local.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        pair.net.pump()
        #expect(pair.serverRecorder.bytes == Array("request".utf8))
        #expect(pair.serverRecorder.inputClosed)
        pair.server.writeAndFlush(ByteBuffer(string: "response"), promise: nil)
        pair.server.close(mode: .output, promise: nil)
        pair.net.pump()
        #expect(try Self.outbound(local) == Array("response".utf8))
        #expect(!local.isActive)
        #expect(pair.serverRecorder.inactive)
    }

    @Test("a mesh reset closes the glued socket at once")
    func resetClosesSocket() throws {
        let pair = try ChannelPair()
        let local = EmbeddedChannel(loop: pair.net.loop)
        try local.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        pair.client.pipeline.syncOperations.removeHandler(pair.clientRecorder, promise: nil)
        try GlueHandler.join(local, pair.client)
        pair.server.triggerUserOutboundEvent(MeshStreamReset(reason: "refused"), promise: nil)
        pair.net.pump()
        #expect(!local.isActive)
        #expect(!pair.client.isActive)
    }
}
