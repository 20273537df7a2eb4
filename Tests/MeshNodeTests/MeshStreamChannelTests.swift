import MeshTestSupport
import NIOCore
import NIOEmbedded
import Testing

@testable import MeshNode

/// Records what reaches the end of a stream channel's pipeline, and reads on demand.
final class ChannelRecorder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    var bytes: [UInt8] = []
    var events: [String] = []
    var readCompletes = 0
    var inputClosed = false
    var inactive = false
    var errors: [String] = []
    /// Flags data handed over while the test considers the reader paused.
    var paused = false
    var violations: [String] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if paused { violations.append("data while paused") }
        if inputClosed || inactive { violations.append("data after the end") }
        bytes += buffer.readableBytesView
        events.append("data:\(buffer.readableBytes)")
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readCompletes += 1
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed {
            if inputClosed { violations.append("input closed twice") }
            inputClosed = true
            events.append("input-closed")
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        errors.append("\(error)")
        events.append("error:\(error)")
    }

    func channelInactive(context: ChannelHandlerContext) {
        if inactive { violations.append("inactive twice") }
        inactive = true
        events.append("inactive")
    }
}

/// Byte arrays compared without printing them when they differ.
func same(_ a: [UInt8], _ b: [UInt8]) -> Bool { a == b }

/// Stream channel pairs over the in-memory network (virtual time, no sockets).
struct ChannelPair {
    let net: StreamTestNetwork
    let client: MeshStreamChannel
    let server: MeshStreamChannel
    let clientRecorder = ChannelRecorder()
    let serverRecorder = ChannelRecorder()

    /// Opens A -> B "svc"; both channels allow half-closure; `serverAutoRead` / `clientAutoRead`
    /// as given.
    init(
        configuration: StreamConfiguration = StreamConfiguration(),
        clientAutoRead: Bool = true,
        serverAutoRead: Bool = true,
        halfClosure: Bool = true
    ) throws {
        let net = StreamTestNetwork(nodes: ["A", "B"], configuration: configuration)
        var accepted: MeshStreamChannel?
        let serverRecorder = self.serverRecorder
        net["B"].listen(service: "svc") { stream in
            accepted = try? MeshStreamChannel.start(stream, eventLoop: net.loop) { channel in
                channel.allowRemoteHalfClosure = halfClosure
                channel.autoRead = serverAutoRead
                try channel.pipeline.syncOperations.addHandler(serverRecorder)
            }.get()
        }
        let future = net["A"].open(node: "B", service: "svc")
        net.pump()
        let stream = try #require(try future.peek()?.get())
        let clientRecorder = self.clientRecorder
        self.client = try MeshStreamChannel.start(stream, eventLoop: net.loop) { channel in
            channel.allowRemoteHalfClosure = halfClosure
            channel.autoRead = clientAutoRead
            try channel.pipeline.syncOperations.addHandler(clientRecorder)
        }.get()
        net.pump()
        self.server = try #require(accepted)
        self.net = net
    }
}

@Suite("Mesh stream channel")
struct MeshStreamChannelTests {
    static func pattern(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    @Test("bytes arrive once and in order, ends pass as inputClosed, and both channels then close by themselves")
    func echoAndHalfClose() throws {
        let pair = try ChannelPair()
        let data = Self.pattern(300_000, seed: 1)
        for start in stride(from: 0, to: data.count, by: 7_000) {
            pair.client.write(ByteBuffer(bytes: data[start..<min(data.count, start + 7_000)]), promise: nil)
        }
        pair.client.flush()
        pair.client.close(mode: .output, promise: nil)
        pair.net.pump()
        #expect(same(pair.serverRecorder.bytes, data), "\(pair.serverRecorder.bytes.count) of \(data.count) bytes")
        #expect(pair.serverRecorder.inputClosed)
        #expect(pair.serverRecorder.readCompletes > 0)
        #expect(pair.server.isActive, "half-closed: the server may still answer")
        pair.server.writeAndFlush(ByteBuffer(string: "bye"), promise: nil)
        pair.server.close(mode: .output, promise: nil)
        pair.net.pump()
        #expect(pair.clientRecorder.bytes == Array("bye".utf8))
        #expect(pair.clientRecorder.events.suffix(2) == ["input-closed", "inactive"])
        #expect(pair.serverRecorder.inactive && !pair.server.isActive && !pair.client.isActive)
        #expect(pair.net["A"].count == 0 && pair.net["B"].count == 0, "both streams finished and forgotten")
        #expect(pair.serverRecorder.violations.isEmpty && pair.clientRecorder.violations.isEmpty)
        #expect(pair.clientRecorder.errors.isEmpty && pair.serverRecorder.errors.isEmpty)
    }

    /// The old bug, pinned at the stream channel: a connection that closed while its reader was
    /// paused lost the bytes held for the reader. Here the writer sends, ends and closes while
    /// the reader has not read at all; every byte is still there on `read()`, then the end.
    @Test("a peer that closes while the reader is paused loses nothing: the tail comes on read()")
    func closeWhileReaderPaused() throws {
        let pair = try ChannelPair(serverAutoRead: false)
        let data = Self.pattern(50_000, seed: 2)
        pair.serverRecorder.paused = true
        pair.client.writeAndFlush(ByteBuffer(bytes: data), promise: nil)
        pair.client.close(promise: nil)
        pair.net.pump()
        #expect(pair.serverRecorder.bytes.count == 0, "nothing without read()")
        #expect(pair.clientRecorder.inactive, "the closing side's channel is gone at once")
        pair.serverRecorder.paused = false
        pair.server.read()
        pair.net.pump()
        #expect(same(pair.serverRecorder.bytes, data), "\(pair.serverRecorder.bytes.count) of \(data.count) bytes")
        #expect(pair.serverRecorder.inputClosed)
        pair.server.close(promise: nil)
        pair.net.pump()
        #expect(pair.serverRecorder.violations.isEmpty)
        #expect(pair.net["A"].count == 0 && pair.net["B"].count == 0, "both finished: the closed end acknowledged the late end")
        #expect(pair.serverRecorder.errors.isEmpty)
    }

    @Test("a reader that does not read stops the writer after one window; reading resumes it")
    func backpressure() throws {
        var configuration = StreamConfiguration()
        configuration.window = 64 << 10
        configuration.frameSize = 8 << 10
        let pair = try ChannelPair(configuration: configuration, serverAutoRead: false)
        var written = 0
        var rounds = 0
        while pair.client.isWritable && rounds < 1000 {
            pair.client.writeAndFlush(ByteBuffer(repeating: 7, count: 4096), promise: nil)
            written += 4096
            rounds += 1
            pair.net.pump()
        }
        #expect(!pair.client.isWritable, "the writer's channel turns unwritable")
        #expect(written <= 2 * Int(configuration.window) + 2 * configuration.frameSize)
        #expect(pair.serverRecorder.bytes.count == 0)
        // Reading drains what waits and credits the writer: it becomes writable again.
        for _ in 0..<8 {
            pair.server.read()
            pair.net.pump()
        }
        #expect(pair.serverRecorder.bytes.count > 0)
        #expect(pair.client.isWritable)
    }

    @Test("one read() hands over one turn of deliveries, then the channel waits for the next")
    func oneTurnPerRead() throws {
        let pair = try ChannelPair(serverAutoRead: false)
        pair.client.writeAndFlush(ByteBuffer(string: "first"), promise: nil)
        pair.net.pump()
        pair.server.read()
        #expect(pair.serverRecorder.bytes == Array("first".utf8))
        #expect(pair.serverRecorder.readCompletes == 1)
        pair.client.writeAndFlush(ByteBuffer(string: "second"), promise: nil)
        pair.net.pump()
        #expect(pair.serverRecorder.bytes == Array("first".utf8), "no read() outstanding")
        pair.server.read()  // an outstanding read is satisfied by the next bytes to arrive
        pair.client.writeAndFlush(ByteBuffer(string: "!"), promise: nil)
        pair.net.pump()
        #expect(String(decoding: pair.serverRecorder.bytes, as: UTF8.self).hasPrefix("firstsecond"))
    }

    @Test("a reset from the peer fires MeshStreamError with its reason, then inactive")
    func resetByPeer() throws {
        let pair = try ChannelPair()
        pair.client.triggerUserOutboundEvent(MeshStreamReset(reason: "go away"), promise: nil)
        pair.net.pump()
        #expect(pair.clientRecorder.inactive)
        #expect(pair.clientRecorder.errors.isEmpty, "the side that resets hears no error")
        #expect(pair.serverRecorder.errors == ["go away"])
        #expect(pair.serverRecorder.events.last == "inactive")
        #expect(pair.net["A"].count == 0 && pair.net["B"].count == 0)
    }

    @Test("after close, writes fail, a second close fails, and closeFuture completes")
    func closedChannel() throws {
        let pair = try ChannelPair()
        pair.client.close(promise: nil)
        let write = pair.client.writeAndFlush(ByteBuffer(string: "late"))
        let again = pair.client.close()
        pair.net.pump()
        #expect(throws: ChannelError.self) { try write.peek()?.get() }
        #expect(throws: ChannelError.self) { try again.peek()?.get() }
        #expect(pair.client.closeFuture.peek() != nil)
        #expect(pair.serverRecorder.inputClosed, "a graceful close sends the end")
    }

    @Test("without allowRemoteHalfClosure, the peer's end closes the channel, as on a socket")
    func noHalfClosure() throws {
        let pair = try ChannelPair(halfClosure: false)
        pair.client.writeAndFlush(ByteBuffer(string: "x"), promise: nil)
        pair.client.close(mode: .output, promise: nil)
        pair.net.pump()
        #expect(pair.serverRecorder.bytes == [UInt8(ascii: "x")])
        #expect(!pair.serverRecorder.inputClosed)
        #expect(pair.serverRecorder.inactive)
    }

    @Test("options: autoRead and allowRemoteHalfClosure round-trip, others are refused")
    func options() throws {
        let pair = try ChannelPair()
        let options = try #require(pair.client.syncOptions)
        try options.setOption(ChannelOptions.autoRead, value: false)
        #expect(try options.getOption(ChannelOptions.autoRead) == false)
        #expect(try options.getOption(ChannelOptions.allowRemoteHalfClosure) == true)
        #expect(throws: ChannelError.self) { try options.getOption(ChannelOptions.socketOption(.so_reuseaddr)) }
        #expect(try pair.client.getOption(ChannelOptions.autoRead).peek()?.get() == false)
    }

    /// Random interleavings of writes, reads, pauses, half-closes, resets and a lossy network:
    /// the reader gets every byte exactly once and in order, and the end after the last one, or,
    /// when a reset happened, a prefix of the bytes and an explicit error.
    @Test("random interleavings deliver every byte once, in order, or end with an explicit error", arguments: 0..<120)
    func randomInterleavings(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &* 0x9E37_79B9 &+ 3)
        var configuration = StreamConfiguration()
        configuration.window = 16 << 10
        configuration.frameSize = 2 << 10
        let pair = try ChannelPair(configuration: configuration, serverAutoRead: false)
        var lossy = SplitMix64(seed: UInt64(seed) &+ 99)
        let lossPercent = rng.next() % 3 == 0 ? UInt64(rng.next() % 20) : 0
        pair.net.drop = { _ in lossy.next() % 100 < lossPercent }
        pair.net.duplicate = { _ in lossy.next() % 100 < lossPercent / 2 }
        var sent: [UInt8] = []
        var outputClosed = false
        var reset = false
        for _ in 0..<Int(rng.next() % 60 + 1) {
            let op = rng.next() % 10
            if op < 4 {
                guard !outputClosed && !reset else { continue }
                let n = Int(rng.next() % 3000 + 1)
                let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                sent += bytes
                pair.client.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
            } else if op < 6 {
                pair.server.read()
            } else if op == 6 {
                pair.net.advance(by: .milliseconds(Int64(rng.next() % 600)))
            } else if op == 7 {
                guard !outputClosed && !reset else { continue }
                outputClosed = true
                pair.client.close(mode: .output, promise: nil)
            } else if op == 8 && !reset && rng.next() % 8 == 0 {
                reset = true
                pair.client.triggerUserOutboundEvent(MeshStreamReset(reason: "test reset"), promise: nil)
            } else {
                pair.net.pump()
            }
        }
        if !outputClosed && !reset { pair.client.close(mode: .output, promise: nil) }
        pair.net.drop = { _ in false }
        pair.net.duplicate = { _ in false }
        for _ in 0..<400 where !pair.serverRecorder.inactive && !pair.serverRecorder.inputClosed {
            pair.server.read()
            pair.net.advance(by: .milliseconds(100))
        }
        let got = pair.serverRecorder.bytes
        #expect(pair.serverRecorder.violations == [])
        if reset {
            #expect(same(Array(sent.prefix(got.count)), got), "a prefix of what was sent")
            #expect(pair.serverRecorder.inputClosed || pair.serverRecorder.errors == ["test reset"])
        } else {
            #expect(same(got, sent), "got \(got.count) of \(sent.count) bytes")
            #expect(pair.serverRecorder.inputClosed)
            #expect(pair.serverRecorder.errors.isEmpty)
        }
    }
}
