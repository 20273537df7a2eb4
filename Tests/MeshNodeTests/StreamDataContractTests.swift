import MeshProtocol
import MeshTestSupport
import NIOCore
import Testing

@testable import MeshNode

/// The stream data contract: every byte accepted into a mesh stream is delivered exactly once, in
/// order, or the stream ends with an explicit error; nothing is handed to a paused reader, and
/// "closed" follows both directions.
@Suite("Mesh stream data contract")
struct StreamDataContractTests {
    /// The old bug, pinned: a stream whose own end was finished and acknowledged counted a
    /// paused reader as done, so the peer's tail (data and end) was dropped by the close.
    @Test("the peer's tail waits for a paused reader, even once our own end is acknowledged")
    func tailWaitsForPausedReader() throws {
        let net = StreamTestNetwork(nodes: ["A", "B"])
        let (client, _, server, sc) = try MeshStreamTests.openPair(net)
        server.setReading(false)
        server.closeWrite()
        net.pump()
        client.write(ByteBuffer(string: "the tail"))
        client.closeWrite()
        net.pump()
        // One more acknowledgement from A (a duplicate, as after a lost ack) reaches B.
        var payload = ByteBuffer()
        StreamFrame(streamID: client.key.streamID, fromOpener: true, body: .ack(received: 1, windowLimit: 1 << 23, echo: 0))
            .encode(into: &payload)
        net["B"].receive(
            MeshMessage(kind: .stream, sourceNode: "A", destinationNode: "B", sourceService: client.localService, destinationService: "svc", payload: payload)
        )
        net.pump()
        #expect(sc.bytes.isEmpty)
        #expect(sc.closedError == nil, "closed while the reader was paused with bytes held")
        server.setReading(true)
        net.pump()
        #expect(String(decoding: sc.bytes, as: UTF8.self) == "the tail")
        #expect(sc.inputClosed)
        #expect(sc.closedError == .some(nil))
    }

    /// A reader that pauses and resumes at random while the network drops, duplicates and
    /// reorders, and both sides write and half-close: each side gets exactly the other's bytes, in
    /// order, then its end, or an explicit error.
    @Test("random pauses, credit and closes over a lossy network deliver every byte exactly once", arguments: 0..<40)
    func randomInterleavings(seed: Int) throws {
        var config = StreamConfiguration()
        config.window = 64 << 10
        config.frameSize = 8 << 10
        let net = StreamTestNetwork(nodes: ["A", "B"], configuration: config)
        var rng = SplitMix64(seed: UInt64(seed) &* 7919 &+ 3)
        var lossRNG = SplitMix64(seed: UInt64(seed) &+ 101)
        let (client, cc, server, sc) = try MeshStreamTests.openPair(net)
        net.drop = { _ in lossRNG.next() % 100 < 5 }
        net.duplicate = { _ in lossRNG.next() % 100 < 3 }
        net.reorder = seed % 2 == 0
        let ends: [(MeshStream, Collector, [UInt8])] = [
            (client, cc, MeshStreamTests.pattern(Int(rng.next() % 300_000), seed: UInt64(seed))),
            (server, sc, MeshStreamTests.pattern(Int(rng.next() % 300_000), seed: UInt64(seed) + 1)),
        ]
        var written = [0, 0]
        var paused = [false, false]
        var violations: [String] = []
        for c in [cc, sc] {
            let previous = c.onReceive
            c.onReceive = { [weak c] in
                guard let c else { return }
                if c.paused { violations.append("data while paused") }
                previous?()
            }
        }
        for _ in 0..<2000 {
            for i in 0..<2 {
                let (stream, collector, data) = ends[i]
                switch rng.next() % 10 {
                case 0:
                    paused[i].toggle()
                    collector.paused = paused[i]
                    stream.setReading(!paused[i])
                default:
                    if written[i] < data.count && stream.isWritable {
                        let n = min(data.count - written[i], Int(rng.next() % 20_000 + 1))
                        stream.write(ByteBuffer(bytes: data[written[i]..<(written[i] + n)]))
                        written[i] += n
                        if written[i] == data.count { stream.closeWrite() }
                    } else if written[i] == data.count && data.isEmpty {
                        stream.closeWrite()
                    }
                }
            }
            net.advance(by: .milliseconds(20), step: .milliseconds(20))
        }
        for i in 0..<2 {
            ends[i].1.paused = false
            ends[i].0.setReading(true)
        }
        net.advance(by: .seconds(30))
        #expect(violations == [])
        for i in 0..<2 {
            let collector = ends[i].1
            let expected = ends[1 - i].2
            if let error = collector.closedError ?? nil {
                // An explicit error is allowed; what arrived must still be an exact prefix.
                #expect(expected.starts(with: collector.bytes), "\(error)")
            } else {
                #expect(collector.bytes == expected)
                #expect(collector.inputClosed)
            }
        }
    }
}
