import MeshProtocol
import NIOCore
import Testing

@Suite("Message frame header")
struct MessageHeaderTests {
    @Test("header plus payload is byte-identical to the whole encoded frame", arguments: [0, 1, 100, 200_000])
    func splitEncodingMatches(payloadSize: Int) throws {
        let payload = ByteBuffer(bytes: (0..<payloadSize).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let message = MeshMessage(
            hopsToLive: 17,
            kind: .stream,
            sourceNode: "node-a",
            destinationNode: "nöde-b",
            sourceService: "eph12345",
            destinationService: "control",
            payload: payload
        )
        var whole = ByteBuffer()
        LinkFrame.message(message).encode(into: &whole)
        var split = ByteBuffer()
        LinkFrame.encodeMessageHeader(message, into: &split)
        var p = payload
        split.writeBuffer(&p)
        #expect(split == whole)
        var decoder = LinkFrameDecoder()
        let decoded = try #require(try decoder.decode(buffer: &split))
        #expect(decoded == .message(message))
    }
}
