import MeshProtocol
import NIOCore
import Testing

@Suite("Stream frames")
struct StreamFrameTests {
    @Test("every body, from either end, survives encode/decode", arguments: Samples.streamFrames)
    func roundTrip(frame: StreamFrame) throws {
        #expect(try decodeStream(streamBytes(frame)) == frame)
    }

    @Test("wire layout: stream ID, then the opener flag in the top bit of the type byte")
    func layout() {
        #expect(
            streamBytes(StreamFrame(streamID: 0x0102_0304, fromOpener: true, body: .open(window: 5)))
                == [1, 2, 3, 4, 0x81] + be(UInt64(5))
        )
        #expect(
            streamBytes(StreamFrame(streamID: 7, fromOpener: false, body: .openAck(window: 6)))
                == be(UInt32(7)) + [0x02] + be(UInt64(6))
        )
        #expect(
            streamBytes(StreamFrame(streamID: 7, fromOpener: true, body: .data(offset: 9, sentAt: 5, bytes: ByteBuffer(string: "hi"))))
                == be(UInt32(7)) + [0x83] + be(UInt64(9)) + be(UInt64(5)) + [0x68, 0x69]
        )
        #expect(
            streamBytes(StreamFrame(streamID: 7, fromOpener: false, body: .ack(received: 1, windowLimit: 2, echo: 3)))
                == be(UInt32(7)) + [0x04] + be(UInt64(1)) + be(UInt64(2)) + be(UInt64(3))
        )
        #expect(streamBytes(StreamFrame(streamID: 7, fromOpener: true, body: .fin(offset: 3))) == be(UInt32(7)) + [0x85] + be(UInt64(3)))
        #expect(
            streamBytes(StreamFrame(streamID: 7, fromOpener: false, body: .reset(reason: "x")))
                == be(UInt32(7)) + [0x06, 0, 1, 0x78]
        )
    }

    @Test("data bytes are the rest of the input")
    func dataIsRest() throws {
        let frame = try decodeStream(be(UInt32(1)) + [0x03] + be(UInt64(100)) + be(UInt64(42)) + [9, 8, 7])
        #expect(frame.fromOpener == false)
        guard case .data(let offset, let sentAt, let bytes) = frame.body else {
            Issue.record("not data: \(frame)")
            return
        }
        #expect(offset == 100)
        #expect(sentAt == 42)
        #expect(bytes.bytes == [9, 8, 7])
    }

    @Test("unknown body types are refused, with or without the opener flag")
    func unknownTypes() {
        for type: UInt8 in [0, 7, 0x7F, 0x80, 0x87, 0xFF] {
            #expect(protocolErrorCode { _ = try decodeStream(be(UInt32(1)) + [type] + be(UInt64(0))) } == .unknownFrameType)
        }
    }

    @Test("truncated frames throw truncated")
    func truncated() {
        for frame in Samples.streamFrames {
            let bytes = streamBytes(frame)
            // Data frames end wherever the input ends; only their fixed 13-byte header can be cut short.
            let fixedEnd: Int
            if case .data = frame.body { fixedEnd = 13 } else { fixedEnd = bytes.count }
            for cut in 0..<fixedEnd {
                #expect(protocolErrorCode { _ = try decodeStream(Array(bytes[..<cut])) } == .truncated, "\(frame) cut at \(cut)")
            }
        }
    }

    @Test("a byte after a fixed-size body is refused")
    func trailing() {
        for frame in Samples.streamFrames {
            if case .data = frame.body { continue }
            #expect(protocolErrorCode { _ = try decodeStream(streamBytes(frame) + [0]) } == .trailingBytes, "\(frame)")
        }
    }

    @Test("a reset reason that is not UTF-8 is refused")
    func badReason() {
        #expect(protocolErrorCode { _ = try decodeStream(be(UInt32(1)) + [0x06, 0, 2, 0xC3, 0x28]) } == .invalidField)
    }
}

@Suite("Unreachable reports")
struct UnreachableTests {
    static let problems: [Unreachable.Problem] = [.noRoute, .expired, .serviceUnknown, .blockedByFirewall, .noConnection]

    @Test("every problem survives encode/decode", arguments: problems)
    func roundTrip(problem: Unreachable.Problem) throws {
        let u = Unreachable(problem: problem, reportingNode: "hop-3")
        var buffer = u.encoded()
        #expect(buffer.bytes == [problem.rawValue, 5] + Array("hop-3".utf8))
        #expect(try Unreachable.decode(from: &buffer) == u)
        #expect(buffer.readableBytes == 0)
    }

    @Test("the problem texts are the ones receptor clients see")
    func texts() {
        #expect(Self.problems.map(\.description) == [
            "no route to node", "message expired", "service unknown", "blocked by firewall", "no connection to next hop",
        ])
    }

    @Test("unknown problems, truncation and bad UTF-8 are refused")
    func invalid() {
        func decode(_ bytes: [UInt8]) throws {
            var b = ByteBuffer(bytes: bytes)
            _ = try Unreachable.decode(from: &b)
        }
        #expect(protocolErrorCode { try decode([0, 0]) } == .invalidField)
        #expect(protocolErrorCode { try decode([6, 0]) } == .invalidField)
        #expect(protocolErrorCode { try decode([]) } == .truncated)
        #expect(protocolErrorCode { try decode([1]) } == .truncated)
        #expect(protocolErrorCode { try decode([1, 3, 0x61]) } == .truncated)
        #expect(protocolErrorCode { try decode([1, 1, 0xFE]) } == .invalidField)
    }
}
