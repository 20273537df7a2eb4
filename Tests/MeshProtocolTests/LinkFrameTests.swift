import MeshProtocol
import NIOCore
import NIOTestUtils
import Testing

@Suite("Link frames: encoding and decoding")
struct LinkFrameTests {
    @Test("every frame type survives encode/decodeBody", arguments: Samples.linkFrames)
    func roundTripThroughDecodeBody(frame: LinkFrame) throws {
        #expect(try decodeBody(body(frame)) == frame)
    }

    @Test("the length prefix counts the type byte and the body")
    func lengthPrefix() {
        for frame in Samples.linkFrames {
            var buffer = wire(frame)
            let length: UInt32? = buffer.readInteger()
            #expect(length.map(Int.init) == buffer.readableBytes)
        }
    }

    @Test("LinkFrameDecoder passes ByteToMessageDecoderVerifier (drip feed, every split)")
    func verifier() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: Samples.linkFrames.map { (wire($0), [$0]) },
            decoderFactory: { LinkFrameDecoder() }
        )
    }

    @Test("several frames in one buffer come out in order, and nothing is left")
    func manyFramesInOneBuffer() throws {
        var decoder = LinkFrameDecoder()
        var all = ByteBuffer()
        for frame in Samples.linkFrames { frame.encode(into: &all) }
        var decoded: [LinkFrame] = []
        while let frame = try decoder.decode(buffer: &all) { decoded.append(frame) }
        #expect(decoded == Samples.linkFrames)
        #expect(all.readableBytes == 0)
    }

    // MARK: wire layout

    @Test("hello wire layout")
    func helloBytes() {
        let frame = LinkFrame.hello(LinkHello(nodeID: "ab", instance: 0x0102_0304_0506_0708, cost: 1.5, heartbeatIntervalMillis: 250))
        var expected: [UInt8] = be(UInt32(1 + 1 + 3 + 8 + 8 + 4)) + [1, LinkHello.currentVersion, 2, 0x61, 0x62]
        expected += [1, 2, 3, 4, 5, 6, 7, 8]
        expected += be((1.5 as Double).bitPattern)
        expected += be(UInt32(250))
        #expect(wire(frame).bytes == expected)
    }

    @Test("heartbeat, reject and message wire layout")
    func otherLayouts() {
        #expect(
            wire(.heartbeat(LinkHeartbeat(kind: .reply, timestamp: 0x0A0B))).bytes
                == be(UInt32(10)) + [2, 1] + be(UInt64(0x0A0B))
        )
        #expect(wire(.reject(reason: "no")).bytes == be(UInt32(5)) + [4, 0, 2, 0x6E, 0x6F])
        #expect(wire(.routing([])).bytes == be(UInt32(3)) + [3, 0, 0])
        let message = MeshMessage(
            hopsToLive: 9,
            kind: .unreachable,
            sourceNode: "a",
            destinationNode: "bc",
            sourceService: "",
            destinationService: "d",
            payload: ByteBuffer(bytes: [0xFF, 0x00])
        )
        #expect(
            wire(.message(message)).bytes
                == be(UInt32(1 + 2 + 2 + 3 + 1 + 2 + 2)) + [5, 9, 2, 1, 0x61, 2, 0x62, 0x63, 0, 1, 0x64, 0xFF, 0x00]
        )
    }

    @Test("MeshMessage.headerLength is the encoded size without the payload")
    func headerLength() {
        for kind in [MeshMessage.Kind.datagram, .stream, .unreachable] {
            for payload in [[], [1, 2, 3] as [UInt8]] {
                let m = Samples.message(kind, payload: payload)
                var buffer = ByteBuffer()
                m.encode(into: &buffer)
                #expect(buffer.readableBytes == m.headerLength + payload.count)
            }
        }
    }

    @Test("message payloads are the rest of the frame, so extra bytes extend the payload")
    func messagePayloadIsRest() throws {
        let frame = LinkFrame.message(Samples.message(.datagram, payload: [1, 2]))
        guard case .message(let decoded) = try decodeBody(body(frame) + [3]) else {
            Issue.record("not a message")
            return
        }
        #expect(decoded.payload.bytes == [1, 2, 3])
    }

    // MARK: decoder limits

    @Test("an oversize length prefix is refused with only the 4 header bytes buffered")
    func oversizeRejectedBeforeBuffering() {
        for length in [UInt32(LinkFrame.maximumLength + 1), UInt32(1 << 24), UInt32.max] {
            var decoder = LinkFrameDecoder()
            var buffer = ByteBuffer(bytes: be(length))
            #expect(protocolErrorCode { _ = try decoder.decode(buffer: &buffer) } == .frameTooLarge)
        }
    }

    @Test("a zero length prefix is refused")
    func zeroLength() {
        var decoder = LinkFrameDecoder()
        var buffer = ByteBuffer(bytes: be(UInt32(0)) + [2, 0, 0])
        #expect(protocolErrorCode { _ = try decoder.decode(buffer: &buffer) } != nil)
    }

    @Test("the decoder waits for the whole frame and consumes nothing meanwhile")
    func needsMoreData() throws {
        var decoder = LinkFrameDecoder()
        let bytes = wire(.heartbeat(LinkHeartbeat(kind: .request, timestamp: 7))).bytes
        for cut in 0..<bytes.count {
            var buffer = ByteBuffer(bytes: Array(bytes[..<cut]))
            #expect(try decoder.decode(buffer: &buffer) == nil)
            #expect(buffer.readableBytes == cut)
        }
        // The largest allowed length is accepted as a header (the decoder just waits for more).
        var header = ByteBuffer(bytes: be(UInt32(LinkFrame.maximumLength)) + [5])
        #expect(try decoder.decode(buffer: &header) == nil)
        #expect(header.readableBytes == 5)
    }

    @Test("a frame of exactly maximumLength decodes; one byte more is refused")
    func maximumLengthBoundary() throws {
        let empty = Samples.message(.datagram, payload: [])
        let payloadLength = LinkFrame.maximumLength - 1 - empty.headerLength
        let big = LinkFrame.message(Samples.message(.datagram, payload: Array(repeating: 0xAB, count: payloadLength)))
        var buffer = wire(big)
        #expect(buffer.getInteger(at: 0, as: UInt32.self) == UInt32(LinkFrame.maximumLength))
        var decoder = LinkFrameDecoder()
        #expect(try decoder.decode(buffer: &buffer) == big)
        #expect(buffer.readableBytes == 0)

        let tooBig = LinkFrame.message(Samples.message(.datagram, payload: Array(repeating: 0, count: payloadLength + 1)))
        var tooBigBuffer = wire(tooBig)
        #expect(protocolErrorCode { _ = try decoder.decode(buffer: &tooBigBuffer) } == .frameTooLarge)
    }

    @Test("decodeLast at EOF decodes a complete frame and leaves a partial one")
    func decodeLast() throws {
        var decoder = LinkFrameDecoder()
        let bytes = wire(.reject(reason: "bye")).bytes
        var whole = ByteBuffer(bytes: bytes)
        #expect(try decoder.decodeLast(buffer: &whole, seenEOF: true) == .reject(reason: "bye"))
        var partial = ByteBuffer(bytes: Array(bytes.dropLast()))
        #expect(try decoder.decodeLast(buffer: &partial, seenEOF: true) == nil)
    }

    // MARK: invalid bodies

    @Test("unknown frame types are refused")
    func unknownType() {
        for type: UInt8 in [0, 6, 0x7F, 0x80, 0xFF] {
            #expect(protocolErrorCode { _ = try decodeBody([type, 0, 0, 0, 0, 0, 0, 0, 0, 0]) } == .unknownFrameType)
        }
        #expect(protocolErrorCode { _ = try decodeBody([]) } == .truncated)
    }

    /// Frames whose body has a fixed end (all but messages, whose payload is "the rest").
    static let closedFrames = Samples.linkFrames.filter {
        if case .message = $0 { return false }
        return true
    }

    @Test("every proper prefix of a non-message body throws truncated", arguments: closedFrames)
    func truncatedBodies(frame: LinkFrame) {
        let bytes = body(frame)
        for cut in 1..<bytes.count {
            #expect(protocolErrorCode { _ = try decodeBody(Array(bytes[..<cut])) } == .truncated, "cut at \(cut)")
        }
    }

    @Test("truncated message headers throw truncated")
    func truncatedMessageHeaders() {
        let m = Samples.message(.datagram, payload: [])
        let bytes = body(.message(m))
        #expect(bytes.count == 1 + m.headerLength)
        for cut in 1..<bytes.count {
            #expect(protocolErrorCode { _ = try decodeBody(Array(bytes[..<cut])) } == .truncated, "cut at \(cut)")
        }
    }

    @Test("a byte after a non-message body is refused", arguments: closedFrames)
    func trailingBytes(frame: LinkFrame) {
        #expect(protocolErrorCode { _ = try decodeBody(body(frame) + [0]) } == .trailingBytes)
    }

    static let invalidUTF8: [[UInt8]] = [
        [0xFF],
        [0xC3],  // lead byte without continuation
        [0xC0, 0x80],  // overlong NUL
        [0xED, 0xA0, 0x80],  // UTF-16 surrogate
        [0x61, 0x80, 0x62],  // stray continuation byte
        [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
    ]

    @Test("strings that are not UTF-8 are refused", arguments: invalidUTF8)
    func badUTF8(bytes: [UInt8]) {
        // hello node ID (short string)
        let hello: [UInt8] = [1, 1, UInt8(bytes.count)] + bytes + be(UInt64(1)) + be((1.0 as Double).bitPattern) + be(UInt32(250))
        #expect(protocolErrorCode { _ = try decodeBody(hello) } == .invalidField)
        // reject reason (medium string)
        let reject: [UInt8] = [4] + be(UInt16(bytes.count)) + bytes
        #expect(protocolErrorCode { _ = try decodeBody(reject) } == .invalidField)
        // message destination node
        let message: [UInt8] = [5, 30, 0, 1, 0x61, UInt8(bytes.count)] + bytes + [0, 0]
        #expect(protocolErrorCode { _ = try decodeBody(message) } == .invalidField)
    }

    static let nonFinite: [Double] = [.nan, -.nan, .signalingNaN, .infinity, -.infinity]

    @Test("a hello with a non-finite cost is refused", arguments: nonFinite)
    func helloNonFiniteCost(cost: Double) {
        let bytes: [UInt8] = [1, 1, 1, 0x61] + be(UInt64(1)) + be(cost.bitPattern) + be(UInt32(250))
        #expect(protocolErrorCode { _ = try decodeBody(bytes) } == .invalidField)
    }

    @Test("a message of an unknown kind is refused")
    func unknownMessageKind() {
        for kind: UInt8 in [3, 0x80, 0xFF] {
            let bytes: [UInt8] = [5, 30, kind, 1, 0x61, 1, 0x62, 0, 0]
            #expect(protocolErrorCode { _ = try decodeBody(bytes) } == .invalidField)
        }
    }

    @Test("heartbeat kinds: 0 request, 1 reply, 2 keepalive; any other byte is refused")
    func heartbeatKinds() throws {
        #expect(try decodeBody([2, 0x00] + be(UInt64(5))) == .heartbeat(LinkHeartbeat(kind: .request, timestamp: 5)))
        #expect(try decodeBody([2, 0x01] + be(UInt64(5))) == .heartbeat(LinkHeartbeat(kind: .reply, timestamp: 5)))
        #expect(try decodeBody([2, 0x02] + be(UInt64(0))) == .heartbeat(.keepalive))
        for kind: UInt8 in [3, 0x7F, 0xFF] {
            #expect(protocolErrorCode { _ = try decodeBody([2, kind] + be(UInt64(5))) } == .invalidField)
        }
    }

    @Test("a reason longer than 65535 bytes is cut on a character boundary, so it still decodes")
    func longReasonTruncation() throws {
        // 65534 ASCII bytes then a 2-byte character: the 65535-byte cut falls inside "é".
        let reason = String(repeating: "a", count: 65534) + "é"
        let frame = LinkFrame.reject(reason: reason)
        let decoded = try decodeBody(body(frame))
        #expect(decoded == .reject(reason: String(repeating: "a", count: 65534)))
        // An ASCII reason is cut to exactly 65535 bytes and decodes.
        let ascii = String(repeating: "b", count: 70000)
        #expect(try decodeBody(body(.reject(reason: ascii))) == .reject(reason: String(repeating: "b", count: 65535)))
    }
}
