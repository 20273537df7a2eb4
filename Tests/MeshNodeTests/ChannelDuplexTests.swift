import MeshTestSupport
import NIOCore
import NIOEmbedded
import Testing

@testable import MeshNode

/// Records what a duplex hands its delegate, in order.
private final class EventLog: ByteDuplexDelegate {
    var events: [String] = []
    func duplexReceived(_ buffer: ByteBuffer) { events.append("data:" + String(buffer: buffer)) }
    func duplexInputClosed() { events.append("input-closed") }
    func duplexClosed(error: String?) { events.append("closed:\(error ?? "nil")") }
    func duplexWritabilityChanged(_ writable: Bool) {}
}

@Suite("Channel duplex")
struct ChannelDuplexTests {
    /// A ChannelDuplex on a connected EmbeddedChannel.
    static func connectedDuplex() throws -> (EmbeddedChannel, ChannelDuplex) {
        let channel = EmbeddedChannel()
        let duplex = ChannelDuplex()
        try channel.pipeline.syncOperations.addHandler(duplex)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, duplex)
    }

    @Test("while paused, input-closed waits for the held bytes and follows them on resume")
    func inputClosedFollowsHeldBytes() throws {
        let (channel, duplex) = try Self.connectedDuplex()
        let log = EventLog()
        duplex.duplexDelegate = log
        duplex.setReading(false)
        try channel.writeInbound(ByteBuffer(string: "x"))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(log.events.isEmpty)
        duplex.setReading(true)
        #expect(log.events == ["data:x", "input-closed"])
    }

    /// The old bug, pinned: a connection that closed while its reader was paused dropped the
    /// bytes it held (a proxied stream or a work result lost its tail).
    @Test("bytes held while paused survive the close and come out, in order, on resume")
    func pendingBytesSurviveTheClose() throws {
        let (channel, duplex) = try Self.connectedDuplex()
        let log = EventLog()
        duplex.duplexDelegate = log
        try channel.writeInbound(ByteBuffer(string: "a"))
        duplex.setReading(false)  // the other side is not writable
        try channel.writeInbound(ByteBuffer(string: "b"))
        try channel.writeInbound(ByteBuffer(string: "c"))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        try channel.close().wait()
        #expect(log.events == ["data:a"], "a paused delegate is handed nothing, not even the close")
        duplex.setReading(true)
        #expect(log.events == ["data:a", "data:b", "data:c", "input-closed", "closed:nil"])
    }

    @Test("a close with nothing held is reported at once, paused or not")
    func closeWithNothingHeld() throws {
        let (channel, duplex) = try Self.connectedDuplex()
        let log = EventLog()
        duplex.duplexDelegate = log
        duplex.setReading(false)
        try channel.close().wait()
        #expect(log.events == ["closed:nil"])
    }

    @Test("a delegate attached after the close still hears the held bytes and the close")
    func lateDelegate() throws {
        let (channel, duplex) = try Self.connectedDuplex()
        try channel.writeInbound(ByteBuffer(string: "early"))
        try channel.close().wait()
        let log = EventLog()
        duplex.duplexDelegate = log
        #expect(log.events == ["data:early", "input-closed", "closed:nil"])
    }

    /// Random interleavings of reads, pauses, resumes, half-close and close: every byte is handed
    /// on exactly once and in order, never while paused, input-closed after the last byte and
    /// closed last; nothing is lost unless the delegate itself closes.
    @Test("random interleavings deliver every byte exactly once, in order", arguments: 0..<200)
    func randomInterleavings(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &* 0x9E37_79B9 &+ 1)
        let (channel, duplex) = try Self.connectedDuplex()
        final class Checker: ByteDuplexDelegate {
            weak var duplex: ChannelDuplex?
            var paused = false
            var received: [UInt8] = []
            var inputClosed = false
            var closed = false
            var violations: [String] = []
            func duplexReceived(_ buffer: ByteBuffer) {
                if paused { violations.append("data while paused") }
                if inputClosed || closed { violations.append("data after the end") }
                received += buffer.readableBytesView
            }
            func duplexInputClosed() {
                if paused { violations.append("input-closed while paused") }
                if inputClosed || closed { violations.append("input-closed twice or after close") }
                inputClosed = true
            }
            func duplexClosed(error: String?) {
                if closed { violations.append("closed twice") }
                closed = true
            }
            func duplexWritabilityChanged(_ writable: Bool) {}
        }
        let checker = Checker()
        checker.duplex = duplex
        duplex.duplexDelegate = checker
        var sent: [UInt8] = []
        var inputEnded = false
        var channelClosed = false
        for _ in 0..<Int(rng.next() % 40 + 1) {
            switch rng.next() % 6 {
            case 0 where !inputEnded && !channelClosed, 1 where !inputEnded && !channelClosed:
                let n = Int(rng.next() % 5 + 1)
                let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                sent += bytes
                try channel.writeInbound(ByteBuffer(bytes: bytes))
            case 2:
                checker.paused = true
                duplex.setReading(false)
            case 3:
                checker.paused = false
                duplex.setReading(true)
            case 4 where !inputEnded && !channelClosed:
                inputEnded = true
                channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            case 5 where !channelClosed:
                channelClosed = true
                try channel.close().wait()
            default:
                break
            }
        }
        if !channelClosed { try channel.close().wait() }
        checker.paused = false
        duplex.setReading(true)
        #expect(checker.violations == [])
        #expect(checker.received == sent)
        #expect(checker.closed)
    }
}
