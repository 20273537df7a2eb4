import MeshProtocol
import MeshTestSupport
import NIOCore
import NIOEmbedded
import Testing

@testable import MeshNode

/// A hostile neighbour, in memory: after a real hello it sends random sequences of frames with
/// random values (well-formed, cut short, or plain garbage) into a listener's link. The node must
/// never trap; afterwards its core still answers `status` and its streams still work.
@Suite("Link fed random frames")
struct LinkFuzzTests {

    static func randomName(_ rng: inout SplitMix64) -> String {
        // Mostly valid names (an invalid one ends the link, which ends the exploration).
        switch rng.next() % 300 {
        case 0: return ""
        case 1: return String(repeating: "n", count: Int(rng.next() % 300))
        case 2: return "EVIL\u{0}F"
        case 3...80: return "B"
        case 81...120: return String(repeating: "m", count: 255)
        case 4: return "evil"
        default: return "n\(rng.next() % 8)"
        }
    }

    static func randomU64(_ rng: inout SplitMix64) -> UInt64 {
        switch rng.next() % 8 {
        case 5, 6: return 1_700_000_000_000 + rng.next() % 1000  // plausible: a time, a sequence
        case 7: return rng.next() % 200_000
        case 0: return 0
        case 1: return .max
        case 2: return .max - rng.next() % 16
        case 3: return 1 << 62
        default: return rng.next()
        }
    }

    static func randomAdvertisement(_ rng: inout SplitMix64) -> RoutingAdvertisement {
        var links: [String: Double] = [:]
        for _ in 0..<(rng.next() % 4) {
            links[randomName(&rng)] = [1.0, 1e300, 0.5, 1e9, 1e9 + 1][Int(rng.next() % 5)]
        }
        return RoutingAdvertisement(
            origin: randomName(&rng),
            sequence: randomU64(&rng),
            instance: randomU64(&rng),
            lifetimeMillis: UInt32(truncatingIfNeeded: randomU64(&rng)),
            originTimeMillis: Int64(bitPattern: randomU64(&rng)),
            links: links,
            services: rng.next() % 3 == 0 ? [ServiceAdvertisement(name: randomName(&rng), connType: .stream)] : []
        )
    }

    static func randomStreamFrame(_ rng: inout SplitMix64) -> StreamFrame {
        let body: StreamFrame.Body
        switch rng.next() % 6 {
        case 0: body = .open(window: randomU64(&rng))
        case 1: body = .openAck(window: randomU64(&rng))
        case 2: body = .data(offset: randomU64(&rng) % 4 == 0 ? 0 : randomU64(&rng), sentAt: randomU64(&rng), bytes: ByteBuffer(repeating: 1, count: Int(rng.next() % 64)))
        case 3: body = .ack(received: randomU64(&rng), windowLimit: randomU64(&rng), echo: randomU64(&rng))
        case 4: body = .fin(offset: randomU64(&rng) % 3 == 0 ? 0 : randomU64(&rng))
        default: body = .reset(reason: "x")
        }
        return StreamFrame(streamID: UInt32(rng.next() % 4), fromOpener: rng.next() % 2 == 0, body: body)
    }

    static func randomFrameBytes(_ rng: inout SplitMix64) -> ByteBuffer {
        var b = ByteBuffer()
        switch rng.next() % 100 {
        case 0...1:
            LinkFrame.heartbeat(LinkHeartbeat(kind: LinkHeartbeat.Kind(rawValue: UInt8(rng.next() % 3)) ?? .keepalive, timestamp: randomU64(&rng))).encode(into: &b)
        case 2...30:
            LinkFrame.routing((0..<(rng.next() % 3 + 1)).map { _ in randomAdvertisement(&rng) }).encode(into: &b)
        case 31...97:
            var payload = ByteBuffer()
            randomStreamFrame(&rng).encode(into: &payload)
            let services = ["control", "svc", "svc", "svc", "", "ping", String(repeating: "s", count: 256)]
            let m = MeshMessage(
                hopsToLive: UInt8(truncatingIfNeeded: rng.next()),
                kind: rng.next() % 4 == 0 ? .datagram : .stream,
                sourceNode: rng.next() % 3 == 0 ? randomName(&rng) : "evil",
                destinationNode: rng.next() % 3 == 0 ? randomName(&rng) : "B",
                sourceService: "e\(rng.next() % 3)",
                destinationService: services[Int(rng.next() % UInt64(services.count))],
                payload: payload
            )
            LinkFrame.message(m).encode(into: &b)
        case 98:
            // A valid frame cut short, or with its length field lying.
            LinkFrame.routing([randomAdvertisement(&rng)]).encode(into: &b)
            if rng.next() % 2 == 0 {
                b.moveWriterIndex(to: b.readerIndex + Int(rng.next() % UInt64(b.readableBytes)))
            } else {
                b.setInteger(UInt32(truncatingIfNeeded: rng.next()), at: b.readerIndex)
            }
        default:
            b.writeBytes((0..<(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        return b
    }

    @Test("random frames after a real hello never trap the node", arguments: 0..<150)
    func randomFrames(seed: Int) throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let loop = EmbeddedEventLoop()
        let settings = MeshSettings(nodeID: "B", dataDirectory: directory, version: "test")
        let end = try LinkEnd(core: MeshCore(settings: settings, loop: loop, logger: quietLogger), role: .listener, loop: loop)
        end.core.streams.listen(service: "svc") { stream in
            stream.write(ByteBuffer(string: "hello"))
            stream.closeWrite()
        }
        try end.activate()
        var hello = ByteBuffer()
        LinkFrame.hello(LinkHello(nodeID: "evil", instance: 9, cost: 1, heartbeatIntervalMillis: 250)).encode(into: &hello)
        try end.channel.writeInbound(hello)
        #expect(end.isEstablished)
        var rng = SplitMix64(seed: UInt64(seed) &* 31 &+ 7)
        for _ in 0..<Int(rng.next() % 200 + 1) where end.channel.isActive {
            _ = try? end.channel.writeInbound(Self.randomFrameBytes(&rng))  // a closed channel refuses more: fine
            loop.advanceTime(by: .milliseconds(Int64(rng.next() % 50)))
            _ = try end.takeOutbound()
        }
        loop.advanceTime(by: .seconds(5))
        // Still a working node: status renders (every stored time formats), streams are sane.
        let status = StatusReport.make(core: end.core, fields: nil)
        #expect(status["NodeID"] == .string("B"))
        #expect(end.core.streamCount <= StreamConfiguration().maximumAcceptedPerNode)
        for ad in end.core.advertisements where ad.origin != "B" {
            #expect(ad.absurdity == nil, "stored an absurd advertisement: \(ad)")
        }
        try? end.channel.close().wait()
    }
}
