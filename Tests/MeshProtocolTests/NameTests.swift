import MeshProtocol
import NIOCore
import Testing

/// Node IDs and service names follow one rule everywhere (``MeshName``), and no name can trap an encoder.
@Suite("Names on the wire")
struct NameTests {
    @Test("Control characters and over-long names are refused; printable UTF-8 is not")
    func rule() {
        #expect(MeshName.isValidNodeID("node-1.example:a@b_c"))
        #expect(MeshName.isValidNodeID("nœud"))
        #expect(MeshName.isValidNodeID(String(repeating: "n", count: 255)))
        #expect(!MeshName.isValidNodeID(String(repeating: "n", count: 256)))
        #expect(!MeshName.isValidNodeID(""))
        #expect(!MeshName.isValidNodeID("EVIL\u{0}F"))
        #expect(!MeshName.isValidNodeID("a\nb"))
        #expect(!MeshName.isValidNodeID("a\u{7F}"))
        #expect(!MeshName.isValidNodeID("a\u{85}"))
        #expect(MeshName.isValidServiceName(""))
        #expect(!MeshName.isValidServiceName("s\u{1B}[31m"))
        #expect(MeshName.nodeIDProblem(String(repeating: "é", count: 200))?.contains("400 bytes") == true)
    }

    @Test("A hello naming EVIL\\0F is refused by the decoder")
    func helloWithNUL() {
        let frame = LinkFrame.hello(LinkHello(nodeID: "EVIL\u{0}F", instance: 1, cost: 1, heartbeatIntervalMillis: 250))
        var b = ByteBuffer(bytes: body(frame))
        #expect(throws: MeshProtocolError.self) { try LinkFrame.decodeBody(&b) }
    }

    @Test("A message naming a service with a control character is refused")
    func messageWithControl() {
        let m = MeshMessage(kind: .datagram, sourceNode: "a", destinationNode: "b", sourceService: "x\u{1}", destinationService: "y", payload: ByteBuffer())
        var b = ByteBuffer()
        m.encode(into: &b)
        #expect(throws: MeshProtocolError.self) { try MeshMessage.decode(from: &b) }
    }

    @Test("Over-long names are cut on a character boundary, and the header length still matches the bytes")
    func overLongNames() throws {
        let long = String(repeating: "é", count: 200)  // 400 bytes
        let m = MeshMessage(
            kind: .datagram, sourceNode: long, destinationNode: "b", sourceService: String(repeating: "s", count: 300),
            destinationService: "y", payload: ByteBuffer(bytes: [1, 2, 3])
        )
        var header = ByteBuffer()
        LinkFrame.encodeMessageHeader(m, into: &header)
        #expect(header.readableBytes == 4 + 1 + m.headerLength)
        var whole = ByteBuffer()
        LinkFrame.message(m).encode(into: &whole)
        var decoder = LinkFrameDecoder()
        guard case .message(let decoded) = try #require(try decoder.decode(buffer: &whole)) else {
            Issue.record("not a message")
            return
        }
        #expect(decoded.sourceNode.utf8.count == 254)
        #expect(decoded.sourceService.utf8.count == 255)
        #expect(decoded.payload.bytes == [1, 2, 3])
    }
}
