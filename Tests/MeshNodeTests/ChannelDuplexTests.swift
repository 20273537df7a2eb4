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
