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
    @Test("bytes held back while reading was paused still come out, in order, when the connection closes")
    func pendingBytesSurviveTheClose() throws {
        let channel = EmbeddedChannel()
        let duplex = ChannelDuplex()
        try channel.pipeline.syncOperations.addHandler(duplex)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let log = EventLog()
        duplex.duplexDelegate = log
        try channel.writeInbound(ByteBuffer(string: "a"))
        duplex.setReading(false)  // the other side is not writable
        try channel.writeInbound(ByteBuffer(string: "b"))
        try channel.writeInbound(ByteBuffer(string: "c"))
        #expect(log.events == ["data:a"])
        // The peer half-closes and, our output being shut already, the channel closes fully.
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(log.events == ["data:a"], "input-closed waits behind the held bytes while paused")
        try channel.close().wait()
        #expect(log.events == ["data:a", "data:b", "data:c", "input-closed", "closed:nil"])
    }

    @Test("while paused, input-closed waits for the held bytes and follows them on resume")
    func inputClosedFollowsHeldBytes() throws {
        let channel = EmbeddedChannel()
        let duplex = ChannelDuplex()
        try channel.pipeline.syncOperations.addHandler(duplex)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let log = EventLog()
        duplex.duplexDelegate = log
        duplex.setReading(false)
        try channel.writeInbound(ByteBuffer(string: "x"))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(log.events.isEmpty)
        duplex.setReading(true)
        #expect(log.events == ["data:x", "input-closed"])
    }
}
