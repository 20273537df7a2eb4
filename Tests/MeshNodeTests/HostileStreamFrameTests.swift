import MeshProtocol
import NIOCore
import Testing

@testable import MeshNode

/// Stream frames no honest peer sends, injected straight into a stream manager: none may trap,
/// and each ends at worst the one stream it names.
@Suite("Hostile stream frames")
struct HostileStreamFrameTests {
    /// Delivers `body` to B as if A's stream `id` (from its service `from`) sent it to B's `to`.
    /// A is a raw peer here, not a stream manager (the network has only B): what B answers goes
    /// nowhere, so an honest manager's "unknown stream" resets do not end the streams under test.
    static func inject(
        _ net: StreamTestNetwork,
        _ body: StreamFrame.Body,
        id: UInt32 = 77,
        fromOpener: Bool = true,
        from: String = "evil",
        to: String = "svc"
    ) {
        var payload = ByteBuffer()
        StreamFrame(streamID: id, fromOpener: fromOpener, body: body).encode(into: &payload)
        net["B"].receive(
            MeshMessage(kind: .stream, sourceNode: "A", destinationNode: "B", sourceService: from, destinationService: to, payload: payload)
        )
        net.pump()
    }

    /// B listens on "svc" and collects what it accepts.
    static func listening(_ net: StreamTestNetwork) -> () -> [MeshStream] {
        var accepted: [MeshStream] = []
        net["B"].listen(service: "svc") { stream in
            accepted.append(stream)
            stream.delegate = Collector()
        }
        return { accepted }
    }

    @Test("An open with a window of 2^64-1 is accepted and writing to it does not trap")
    func hugeOpenWindow() throws {
        let net = StreamTestNetwork(nodes: ["B"])
        let accepted = Self.listening(net)
        Self.inject(net, .open(window: .max))
        let stream = try #require(accepted().first)
        #expect(stream.isWritable)
        stream.write(ByteBuffer(repeating: 1, count: 300_000))
        net.pump()
        #expect(stream.phase == .open)
    }

    @Test("Acks with extreme limits and counts do not trap, and the stream stays open")
    func extremeAcks() throws {
        let net = StreamTestNetwork(nodes: ["B"])
        let accepted = Self.listening(net)
        Self.inject(net, .open(window: 10))
        let stream = try #require(accepted().first)
        stream.write(ByteBuffer(repeating: 2, count: 100))
        net.pump()
        for (received, limit, echo): (UInt64, UInt64, UInt64) in [(.max, .max, .max), (0, .max, 0), (.max, 0, 1), (.max - 1, .max - 1, .max)] {
            Self.inject(net, .ack(received: received, windowLimit: limit, echo: echo), fromOpener: true)
            _ = stream.isWritable
        }
        #expect(stream.phase == .open)
    }

    @Test("Data at offsets near 2^64 is dropped")
    func dataAtTheTop() throws {
        let net = StreamTestNetwork(nodes: ["B"])
        var collector: Collector?
        net["B"].listen(service: "svc") { stream in
            let c = Collector()
            collector = c
            stream.delegate = c
        }
        Self.inject(net, .open(window: 1 << 20))
        for offset: UInt64 in [UInt64.max, UInt64.max - 3, UInt64(1) << 63] {
            Self.inject(net, .data(offset: offset, sentAt: .max, bytes: ByteBuffer(repeating: 9, count: 16)))
        }
        Self.inject(net, .data(offset: 0, sentAt: 0, bytes: ByteBuffer(bytes: [1, 2, 3])))
        #expect(try #require(collector).bytes == [1, 2, 3])
    }

    @Test("A stream end before bytes already received resets only that stream, as a protocol violation")
    func finBeforeReceived() throws {
        let net = StreamTestNetwork(nodes: ["B"])
        var collectors: [Collector] = []
        net["B"].listen(service: "svc") { stream in
            let c = Collector()
            collectors.append(c)
            stream.delegate = c
        }
        Self.inject(net, .open(window: 1 << 20), id: 1)
        Self.inject(net, .open(window: 1 << 20), id: 2)
        Self.inject(net, .data(offset: 0, sentAt: 0, bytes: ByteBuffer(repeating: 5, count: 10)), id: 1)
        Self.inject(net, .fin(offset: 4), id: 1)
        #expect(collectors.count == 2)
        let error = try #require(collectors[0].closedError ?? nil)
        #expect(error.contains("protocol violation"))
        #expect(collectors[1].closedError == nil)
        #expect(net["B"].count == 1)
    }

    @Test("An open for another service that reuses a stream ID is another stream")
    func keyIncludesService() {
        let net = StreamTestNetwork(nodes: ["B"])
        var services: [String] = []
        net["B"].listen(service: "svc") { stream in
            services.append(stream.localService)
            stream.delegate = Collector()
        }
        net["B"].listen(service: "other") { stream in
            services.append(stream.localService)
            stream.delegate = Collector()
        }
        Self.inject(net, .open(window: 1 << 20), id: 5, to: "svc")
        Self.inject(net, .open(window: 1 << 20), id: 5, to: "other")
        Self.inject(net, .open(window: 1 << 20), id: 5, from: "evil2", to: "svc")
        #expect(services == ["svc", "other", "svc"])
        #expect(net["B"].count == 3)
    }

    @Test("A burst of 10,000 opens from one node is capped; the cap frees as streams end")
    func openBurst() throws {
        var configuration = StreamConfiguration()
        configuration.maximumAcceptedPerNode = 100
        let net = StreamTestNetwork(nodes: ["B"], configuration: configuration)
        let accepted = Self.listening(net)
        for id in 0..<10_000 {
            Self.inject(net, .open(window: 1 << 20), id: UInt32(id))
        }
        #expect(accepted().count == 100)
        #expect(net["B"].count == 100)
        accepted()[0].close(error: "done")
        Self.inject(net, .open(window: 1 << 20), id: 20_000)
        #expect(accepted().count == 101)
    }

    @Test("Opening a stream to an invalid name fails with a reason instead of trapping")
    func invalidNames() throws {
        let net = StreamTestNetwork(nodes: ["A", "B"])
        for (node, service) in [("B", String(repeating: "s", count: 300)), (String(repeating: "n", count: 300), "svc"), ("EVIL\u{0}F", "svc")] {
            let future = net["A"].open(node: node, service: service)
            net.pump()
            guard case .failure(let error) = try #require(future.peek()) else {
                Issue.record("open to \(node.prefix(8)) succeeded")
                continue
            }
            #expect("\(error)".contains("node ID") || "\(error)".contains("service name"))
        }
    }
}
