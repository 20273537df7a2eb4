import MeshProtocol
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import MeshNode

/// An adapter alone in an active `EmbeddedChannel`: WebSocket frames in and out on one side,
/// link bytes on the other.
private func adapterChannel(_ side: WebSocketLinkAdapter.Side, maximumOutboundFrameSize: Int? = nil) throws -> EmbeddedChannel {
    let adapter = maximumOutboundFrameSize.map { WebSocketLinkAdapter(side: side, maximumOutboundFrameSize: $0) }
        ?? WebSocketLinkAdapter(side: side)
    let channel = EmbeddedChannel(handler: adapter)
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    return channel
}

/// A frame as a client sends it: masked with `key`.
private func maskedFrame(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true, key: WebSocketMaskingKey = [1, 2, 3, 4]) -> WebSocketFrame {
    var data = ByteBuffer(string: text)
    data.webSocketMask(key)
    return WebSocketFrame(fin: fin, opcode: opcode, maskKey: key, data: data)
}

/// A frame as a server sends it: unmasked.
private func plainFrame(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true) -> WebSocketFrame {
    WebSocketFrame(fin: fin, opcode: opcode, data: ByteBuffer(string: text))
}

/// Every link byte the adapter passed on, as one string.
private func inboundText(_ channel: EmbeddedChannel) throws -> String {
    var text = ""
    while let b = try channel.readInbound(as: ByteBuffer.self) { text += String(buffer: b) }
    return text
}

/// The status code of a close frame the adapter wrote (not masked yet: the frame codec does that).
private func closeCode(_ frame: WebSocketFrame) -> WebSocketErrorCode? {
    var data = frame.data
    return data.readWebSocketErrorCode()
}

@Suite("WebSocket link adapter")
struct WebSocketLinkAdapterTests {
    @Test("binary and continuation frames become the link's byte stream, unmasked")
    func binaryIn() throws {
        let channel = try adapterChannel(.server)
        try channel.writeInbound(maskedFrame(.binary, "hel", fin: false, key: [9, 8, 7, 6]))
        try channel.writeInbound(maskedFrame(.continuation, "lo ", fin: false))
        try channel.writeInbound(maskedFrame(.continuation, "world"))
        try channel.writeInbound(maskedFrame(.binary, "!"))
        #expect(try inboundText(channel) == "hello world!")
        #expect(channel.isActive)
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
    }

    @Test("the client masks every frame with a fresh key; the payload survives unmasking")
    func clientMasks() throws {
        let channel = try adapterChannel(.client)
        var keys: [WebSocketMaskingKey] = []
        for i in 0..<4 {
            try channel.writeOutbound(ByteBuffer(string: "frame \(i)"))
            let frame = try #require(try channel.readOutbound(as: WebSocketFrame.self))
            #expect(frame.opcode == .binary)
            #expect(frame.fin)
            let key = try #require(frame.maskKey)
            keys.append(key)
            // The frame codec applies the key on the way out; the frame still holds the plain bytes.
            #expect(String(buffer: frame.data) == "frame \(i)")
        }
        #expect(Set(keys.map { Array($0) }).count > 1, "mask keys are random")
    }

    @Test("the server does not mask")
    func serverDoesNotMask() throws {
        let channel = try adapterChannel(.server)
        try channel.writeOutbound(ByteBuffer(string: "abc"))
        let frame = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(frame.maskKey == nil)
        #expect(frame.opcode == .binary)
        #expect(String(buffer: frame.data) == "abc")
    }

    @Test("outbound buffers above the frame limit are split into several binary frames")
    func split() throws {
        let channel = try adapterChannel(.server, maximumOutboundFrameSize: 4)
        try channel.writeOutbound(ByteBuffer(string: "0123456789"))
        var pieces: [String] = []
        while let frame = try channel.readOutbound(as: WebSocketFrame.self) {
            #expect(frame.opcode == .binary && frame.fin)
            pieces.append(String(buffer: frame.data))
        }
        #expect(pieces == ["0123", "4567", "89"])
        #expect(WebSocketLinkAdapter.maximumFrameSize > LinkFrame.maximumLength)
    }

    @Test("a ping is answered with a pong carrying the same data (masked on the client)")
    func pingPong() throws {
        let server = try adapterChannel(.server)
        try server.writeInbound(maskedFrame(.ping, "are you there"))
        let pong = try #require(try server.readOutbound(as: WebSocketFrame.self))
        #expect(pong.opcode == .pong)
        #expect(pong.maskKey == nil)
        #expect(String(buffer: pong.data) == "are you there")
        #expect(try inboundText(server) == "")

        let client = try adapterChannel(.client)
        try client.writeInbound(plainFrame(.ping, "x"))
        let clientPong = try #require(try client.readOutbound(as: WebSocketFrame.self))
        #expect(clientPong.opcode == .pong)
        #expect(clientPong.maskKey != nil)
        #expect(String(buffer: clientPong.data) == "x")
        #expect(client.isActive)
    }

    @Test("a text frame closes the link with status 1003 and reports why")
    func textCloses() throws {
        let channel = try adapterChannel(.server)
        #expect(throws: WebSocketLinkError.self) { try channel.writeInbound(maskedFrame(.text, "hello")) }
        let close = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(close.opcode == .connectionClose)
        #expect(closeCode(close) == .unacceptableData)
        #expect(!channel.isActive)
        #expect(try inboundText(channel) == "")
    }

    @Test("a close frame is answered with a close and the connection ends")
    func closeIsEchoed() throws {
        let channel = try adapterChannel(.client)
        var data = ByteBuffer()
        data.write(webSocketErrorCode: .goingAway)
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))
        let close = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(close.opcode == .connectionClose)
        #expect(close.maskKey != nil)
        #expect(closeCode(close) == .goingAway)
        #expect(!channel.isActive)
        // Nothing more goes out after the close.
        #expect(throws: (any Error).self) { try channel.writeOutbound(ByteBuffer(string: "late")) }
    }

    @Test("frames masked the wrong way or out of sequence are protocol errors (1002)")
    func protocolErrors() throws {
        let cases: [(WebSocketLinkAdapter.Side, [WebSocketFrame])] = [
            (.server, [plainFrame(.binary, "unmasked from a client")]),
            (.client, [maskedFrame(.binary, "masked from a server")]),
            (.server, [maskedFrame(.continuation, "no message started")]),
            (.server, [maskedFrame(.binary, "a", fin: false), maskedFrame(.binary, "b")]),
            (.server, [WebSocketFrame(fin: true, rsv1: true, opcode: .binary, maskKey: [1, 1, 1, 1], data: ByteBuffer(string: "x"))]),
            (.server, [maskedFrame(WebSocketOpcode(encodedWebSocketOpcode: 0x3)!, "reserved opcode")]),
        ]
        for (side, frames) in cases {
            let channel = try adapterChannel(side)
            for frame in frames.dropLast() { try channel.writeInbound(frame) }
            #expect(throws: WebSocketLinkError.self) { try channel.writeInbound(frames.last!) }
            var last: WebSocketFrame?
            while let f = try channel.readOutbound(as: WebSocketFrame.self) { last = f }
            let close = try #require(last)
            #expect(close.opcode == .connectionClose)
            #expect(closeCode(close) == .protocolError)
            #expect(!channel.isActive)
        }
    }

    @Test("closing the channel from the link side sends a normal close first")
    func closeFromLink() throws {
        let channel = try adapterChannel(.server)
        channel.close(promise: nil)
        let close = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(close.opcode == .connectionClose)
        #expect(closeCode(close) == .normalClosure)
    }

    @Test("on the wire, with NIO's frame codec: client frames carry the mask bit, server frames do not")
    func wireBytes() throws {
        for side in [WebSocketLinkAdapter.Side.client, .server] {
            let channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandlers([
                WebSocketFrameEncoder(),
                ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: WebSocketLinkAdapter.maximumFrameSize)),
                WebSocketLinkAdapter(side: side),
            ])
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try channel.writeOutbound(ByteBuffer(string: "hello"))
            var wire = ByteBuffer()
            while var b = try channel.readOutbound(as: ByteBuffer.self) { wire.writeBuffer(&b) }
            let bytes = Array(wire.readableBytesView)
            #expect(bytes[0] == 0x82, "FIN + binary")
            #expect(bytes[1] & 0x7F == 5)
            #expect((bytes[1] & 0x80 != 0) == (side == .client), "mask bit")
            #expect(bytes.count == 2 + (side == .client ? 4 : 0) + 5)
            if side == .server {
                #expect(Array(bytes[2...]) == Array("hello".utf8))
            } else {
                let key = Array(bytes[2..<6])
                let payload = bytes[6...].enumerated().map { $0.element ^ key[$0.offset % 4] }
                #expect(payload == Array("hello".utf8))
                #expect(Array(bytes[6...]) != Array("hello".utf8) || key == [0, 0, 0, 0])
            }
        }
    }

    @Test("a frame longer than the limit closes the connection with 1009 before its payload arrives")
    func oversizedFrame() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            WebSocketFrameEncoder(),
            ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: WebSocketLinkAdapter.maximumFrameSize)),
            WebSocketLinkAdapter(side: .server),
        ])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        var header = ByteBuffer()
        header.writeInteger(UInt8(0x82))
        header.writeInteger(UInt8(0x80 | 127))
        header.writeInteger(UInt64(WebSocketLinkAdapter.maximumFrameSize + 1))
        header.writeBytes([1, 2, 3, 4])
        #expect(throws: WebSocketLinkError.self) { try channel.writeInbound(header) }
        var wire = ByteBuffer()
        while var b = try channel.readOutbound(as: ByteBuffer.self) { wire.writeBuffer(&b) }
        #expect(Array(wire.readableBytesView) == [0x88, 0x02, 0x03, 0xF1], "close 1009, unmasked")
        #expect(!channel.isActive)
    }

    @Test("a 1 MiB frame from the peer is accepted in one piece")
    func largeFrame() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            WebSocketFrameEncoder(),
            ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: WebSocketLinkAdapter.maximumFrameSize)),
            WebSocketLinkAdapter(side: .client),
        ])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let size = LinkFrame.maximumLength
        var wire = ByteBuffer()
        wire.writeInteger(UInt8(0x82))
        wire.writeInteger(UInt8(127))
        wire.writeInteger(UInt64(size))
        wire.writeRepeatingByte(0x5A, count: size)
        try channel.writeInbound(wire)
        var total = 0
        while let b = try channel.readInbound(as: ByteBuffer.self) { total += b.readableBytes }
        #expect(total == size)
        #expect(channel.isActive)
    }
}
