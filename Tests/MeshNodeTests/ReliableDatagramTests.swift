import MeshTestSupport
import NIOCore
import Testing

@testable import MeshNode

/// Two ``ReliableDatagramConnection``s joined by a simulated network that loses, delays,
/// reorders and duplicates datagrams, driven by a virtual clock.
private struct LossyNetwork {
    struct InFlight {
        var deliverAt: Duration
        var toB: Bool
        var bytes: ByteBuffer
    }

    var a = ReliableDatagramConnection(connection: 7)
    var b = ReliableDatagramConnection(connection: 7)
    var rng: SplitMix64
    var lossPercent: UInt64
    var duplicatePercent: UInt64 = 0
    var delay: Duration = .milliseconds(5)
    var jitter: Duration = .zero
    /// A bottleneck from A to B (bytes per millisecond) with a drop-tail queue of `queueLimit`.
    var bottleneckBytesPerMs: Int?
    var queueLimit: Duration = .milliseconds(30)
    private var bottleneckFreeAt: Duration = .zero
    var now: Duration = .zero
    var wire: [InFlight] = []
    var receivedByA = ByteBuffer()
    var receivedByB = ByteBuffer()
    var datagramsSent = 0
    let allocator = ByteBufferAllocator()

    init(seed: UInt64, lossPercent: UInt64) {
        rng = SplitMix64(seed: seed)
        self.lossPercent = lossPercent
    }

    mutating func send(_ packets: [UDPLinkPacket], toB: Bool) {
        for p in packets {
            let bytes = p.encoded(allocator: allocator)
            #expect(bytes.readableBytes <= UDPLinkPacket.maximumSize)
            datagramsSent += 1
            if rng.next() % 100 < lossPercent { continue }
            if toB, let rate = bottleneckBytesPerMs {
                let start = max(now, bottleneckFreeAt)
                if start - now > queueLimit { continue }  // queue full: tail drop
                bottleneckFreeAt = start + .microseconds(Int64(bytes.readableBytes * 1000 / rate))
                wire.append(InFlight(deliverAt: bottleneckFreeAt + delay, toB: toB, bytes: bytes))
                continue
            }
            let extra = jitter == .zero ? Duration.zero : .microseconds(Int64(rng.next() % UInt64(jitter.nanoseconds / 1000 + 1)))
            wire.append(InFlight(deliverAt: now + delay + extra, toB: toB, bytes: bytes))
            if rng.next() % 100 < duplicatePercent {
                wire.append(InFlight(deliverAt: now + delay + extra + .milliseconds(1), toB: toB, bytes: bytes))
            }
        }
    }

    /// Advances the clock by `step`, delivering what is due, then lets both ends send.
    mutating func step(_ step: Duration = .milliseconds(1)) throws {
        now += step
        let due = wire.filter { $0.deliverAt <= now }.sorted { $0.deliverAt < $1.deliverAt }
        wire.removeAll { $0.deliverAt <= now }
        for d in due {
            let packet = try UDPLinkPacket.decode(d.bytes)
            if d.toB {
                for var chunk in b.receive(packet, now: now).delivered { receivedByB.writeBuffer(&chunk) }
            } else {
                for var chunk in a.receive(packet, now: now).delivered { receivedByA.writeBuffer(&chunk) }
            }
        }
        a.timeout(now: now)
        b.timeout(now: now)
        send(a.outgoing(now: now, allocator: allocator), toB: true)
        send(b.outgoing(now: now, allocator: allocator), toB: false)
    }
}

private func randomBytes(_ count: Int, _ rng: inout SplitMix64) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.reserveCapacity(count)
    for _ in 0..<count { buffer.writeInteger(UInt8(truncatingIfNeeded: rng.next())) }
    return buffer
}

@Suite("Reliable datagram connection (UDP links)")
struct ReliableDatagramTests {
    /// Sends `size` random bytes each way in uneven chunks and runs until both arrive.
    private func transfer(
        _ net: inout LossyNetwork,
        size: Int,
        seed: UInt64,
        maxSteps: Int = 200_000
    ) throws -> (sentToB: ByteBuffer, sentToA: ByteBuffer, steps: Int) {
        var rng = SplitMix64(seed: seed)
        let toB = randomBytes(size, &rng)
        let toA = randomBytes(size / 3, &rng)
        var offset = 0
        var steps = 0
        while net.receivedByB.readableBytes < toB.readableBytes || net.receivedByA.readableBytes < toA.readableBytes {
            if offset < toB.readableBytes, net.a.bufferedBytes < 256 << 10 {
                let n = min(Int(rng.next() % 9000) + 1, toB.readableBytes - offset)
                net.a.write(toB.getSlice(at: offset, length: n)!)
                if offset < toA.readableBytes {
                    let m = min(n, toA.readableBytes - offset)
                    net.b.write(toA.getSlice(at: offset, length: m)!)
                }
                offset += n
            }
            try net.step()
            steps += 1
            if steps > maxSteps { break }
        }
        return (toB, toA, steps)
    }

    @Test("a clean path delivers both directions byte-exact with no retransmission")
    func cleanPath() throws {
        var net = LossyNetwork(seed: 1, lossPercent: 0)
        let (toB, toA, _) = try transfer(&net, size: 2 << 20, seed: 11)
        #expect(net.receivedByB == toB)
        #expect(net.receivedByA == toA)
        #expect(net.a.retransmissions == 0)
        #expect(net.b.retransmissions == 0)
    }

    @Test("loss, reordering and duplication: still byte-exact and in order", arguments: [5, 20, 40] as [UInt64])
    func lossyPath(lossPercent: UInt64) throws {
        var net = LossyNetwork(seed: 100 + lossPercent, lossPercent: lossPercent)
        net.duplicatePercent = 5
        net.jitter = .milliseconds(8)
        let (toB, toA, _) = try transfer(&net, size: 1 << 20, seed: 12)
        #expect(net.receivedByB.readableBytes == toB.readableBytes)
        #expect(net.receivedByB == toB)
        #expect(net.receivedByA == toA)
        #expect(net.a.retransmissions > 0)
    }

    @Test("a cut path is bridged by retransmission once it heals; the timer backs off meanwhile")
    func outage() throws {
        var net = LossyNetwork(seed: 3, lossPercent: 0)
        var rng = SplitMix64(seed: 4)
        let payload = randomBytes(200_000, &rng)
        net.a.write(payload)
        for _ in 0..<20 { try net.step() }
        net.lossPercent = 100
        for _ in 0..<3000 { try net.step() }
        #expect(net.a.retransmissionTimeout == net.a.configuration.maximumRTO, "backed off to the cap")
        net.lossPercent = 0
        var steps = 0
        while net.receivedByB.readableBytes < payload.readableBytes, steps < 20_000 {
            try net.step()
            steps += 1
        }
        #expect(net.receivedByB == payload)
        for _ in 0..<100 { try net.step() }
        #expect(net.a.bufferedBytes == 0, "everything acknowledged")
        #expect(net.a.pipe == 0)
    }

    @Test("a lone lost segment (a heartbeat) is resent as soon as a later one arrives")
    func loneLossRecoveredByNextSegment() throws {
        var net = LossyNetwork(seed: 8, lossPercent: 0)
        net.a.write(ByteBuffer(string: "warm-up"))
        for _ in 0..<50 { try net.step() }
        // Lose exactly the next datagram A sends.
        let lostAt = net.now
        net.lossPercent = 100
        net.a.write(ByteBuffer(string: "first"))
        try net.step()
        net.lossPercent = 0
        for _ in 0..<3 { try net.step() }
        net.a.write(ByteBuffer(string: "second"))
        while net.receivedByB.readableBytes < 18, net.now - lostAt < .seconds(1) { try net.step() }
        #expect(String(buffer: net.receivedByB) == "warm-upfirstsecond")
        #expect(net.a.retransmissions == 1)
        // One round trip after "second" went out (10 ms here), before the retransmission timer
        // (about 30 ms after the warm-up samples) would have fired.
        #expect(net.now - lostAt < .milliseconds(25), "\(net.now - lostAt), RTO \(net.a.retransmissionTimeout)")
    }

    @Test("a thin stream keeps retransmitting at its measured pace through an outage; stalls are reported")
    func thinStreamOutage() throws {
        var net = LossyNetwork(seed: 9, lossPercent: 0)
        for _ in 0..<20 {
            net.a.write(ByteBuffer(string: "hb"))
            for _ in 0..<10 { try net.step() }
        }
        let rto = net.a.retransmissionTimeout
        net.lossPercent = 100
        net.a.write(ByteBuffer(string: "hb"))
        let cutAt = net.now
        for _ in 0..<1000 { try net.step() }
        #expect(net.a.retransmissionTimeout == rto, "no exponential backoff for one outstanding segment")
        #expect(net.a.retransmissions >= Int((1000 / rto.milliseconds) - 2))
        #expect(!net.a.isStalled(now: net.now, limit: .seconds(2)))
        #expect(net.a.isStalled(now: cutAt + .milliseconds(2500), limit: .seconds(2)))
        net.lossPercent = 0
        for _ in 0..<100 { try net.step() }
        #expect(!net.a.isStalled(now: net.now, limit: .seconds(2)))
        #expect(String(buffer: net.receivedByB).count == 42)
    }

    @Test("a rate-limited path with a drop-tail queue: the window adapts and data keeps moving")
    func bottleneck() throws {
        var net = LossyNetwork(seed: 21, lossPercent: 0)
        net.bottleneckBytesPerMs = 5_000  // 40 Mbit/s
        var rng = SplitMix64(seed: 22)
        let payload = randomBytes(8 << 20, &rng)
        var offset = 0
        var lastCount = 0
        var lastChange = Duration.zero
        var longestStall = Duration.zero
        while net.receivedByB.readableBytes < payload.readableBytes, net.now < .seconds(30) {
            if offset < payload.readableBytes, net.a.bufferedBytes < 1 << 20 {
                let n = min(64 << 10, payload.readableBytes - offset)
                net.a.write(payload.getSlice(at: offset, length: n)!)
                offset += n
            }
            try net.step()
            if net.receivedByB.readableBytes != lastCount {
                lastCount = net.receivedByB.readableBytes
                lastChange = net.now
            }
            longestStall = max(longestStall, net.now - lastChange)
        }
        #expect(net.receivedByB == payload)
        // 8 MiB at 5 MB/s is 1.7 s; allow for slow start and losses at the queue.
        #expect(net.now < .seconds(4), "took \(net.now)")
        #expect(longestStall < .milliseconds(500), "longest time without new bytes: \(longestStall)")
    }

    @Test("random loss on a short path is repaired at the pace of the path, not of timeouts")
    func randomLossShortPath() throws {
        for seed in UInt64(1)...3 {
            var net = LossyNetwork(seed: seed, lossPercent: 20)
            net.delay = .microseconds(200)
            var rng = SplitMix64(seed: seed)
            let payload = randomBytes(1 << 20, &rng)
            var offset = 0
            while net.receivedByB.readableBytes < payload.readableBytes, net.now < .seconds(20) {
                if offset < payload.readableBytes, net.a.bufferedBytes < 1 << 20 {
                    let n = min(64 << 10, payload.readableBytes - offset)
                    net.a.write(payload.getSlice(at: offset, length: n)!)
                    offset += n
                }
                try net.step(.microseconds(100))
            }
            #expect(net.receivedByB == payload)
            // 20 % loss each way over a 0.4 ms round trip: well under a second of simulated time
            // (a window collapsing to 4 segments and backed-off timers took 4 to 11 s).
            #expect(net.now < .seconds(1), "seed \(seed): \(net.now)")
        }
    }

    @Test("the sender never has more in flight than the peer's window allows")
    func respectsPeerWindow() throws {
        var small = ReliableDatagramConnection.Configuration()
        small.receiveWindow = 8
        var net = LossyNetwork(seed: 5, lossPercent: 0)
        net.b = ReliableDatagramConnection(connection: 7, configuration: small)
        var rng = SplitMix64(seed: 6)
        let payload = randomBytes(100_000, &rng)
        net.a.write(payload)
        var maxPipe = 0
        while net.receivedByB.readableBytes < payload.readableBytes {
            try net.step()
            if net.now > .milliseconds(20) { maxPipe = max(maxPipe, net.a.pipe) }
        }
        #expect(net.receivedByB == payload)
        #expect(maxPipe <= 8)
    }

    @Test("packets round-trip through the codec; garbage and oversize datagrams are refused")
    func codec() throws {
        var payload = ByteBuffer()
        payload.writeString("hello")
        for p: UDPLinkPacket in [
            .data(connection: 9, sequence: 1 << 40, payload: payload),
            .ack(connection: 9, nextExpected: 3, selective: 0b101, window: 77),
            .reset(connection: 9),
        ] {
            #expect(try UDPLinkPacket.decode(p.encoded(allocator: ByteBufferAllocator())) == p)
        }
        for garbage in ["", "RM", "XX\u{1}\u{1}aaaa", "RM\u{2}\u{1}aaaa", "RM\u{1}\u{9}aaaa", "RM\u{1}\u{2}aaaa1234"] {
            #expect(throws: UDPLinkPacket.Malformed.self) { try UDPLinkPacket.decode(ByteBuffer(string: garbage)) }
        }
        var big = ByteBuffer()
        UDPLinkPacket.data(connection: 1, sequence: 0, payload: ByteBuffer(repeating: 0, count: UDPLinkPacket.maximumPayload + 1))
            .encode(into: &big)
        #expect(throws: UDPLinkPacket.Malformed.self) { try UDPLinkPacket.decode(big) }
    }
}
