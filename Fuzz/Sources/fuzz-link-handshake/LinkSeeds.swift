import MeshNode
import MeshProtocol
import NIOCore
import ProtocolSamples

/// A seed program, built op by op (see ``Op`` for the operands).
struct Program {
    private(set) var bytes: [UInt8]

    /// A program with these four header bytes (see ``LinkSetup``).
    init(_ header: [UInt8]) {
        bytes = header
    }

    /// An op and its operand bytes.
    mutating func op(_ op: Op, _ operands: UInt8...) {
        bytes += [op.rawValue] + operands
    }

    /// An op followed by a length byte and `data` (at most 255 bytes).
    mutating func op(_ op: Op, data: [UInt8]) {
        precondition(data.count < 256, "seed operand too long")
        bytes += [op.rawValue, UInt8(data.count)] + data
    }

    /// The sender sends, both ways are delivered, the receiver acks, the acks are delivered.
    mutating func exchange() {
        op(.senderSends)
        op(.deliverAll)
        op(.receiverSends)
        op(.deliverAll)
    }
}

/// The seed corpus: programs made of real encodings (link frames from `Samples` and the hellos,
/// datagrams from `UDPLinkPacket`'s encoder).
enum LinkSeeds {
    /// Index in ``sampleFrames`` of the hello from `node` at `cost`.
    static func hello(_ node: String, cost: Double) -> UInt8 {
        let hello = LinkFrame.hello(LinkHello(nodeID: node, instance: 7, cost: cost, heartbeatIntervalMillis: 250))
        guard let index = sampleFrames.firstIndex(of: hello) else { fatalError("no sample hello from \(node) at cost \(cost)") }
        return UInt8(index)
    }

    /// The encoding of a datagram.
    static func datagram(_ packet: UDPLinkPacket) -> [UInt8] {
        Array(packet.encoded(allocator: ByteBufferAllocator()).readableBytesView)
    }

    static var all: [(name: String, bytes: [UInt8])] {
        var seeds: [(name: String, bytes: [UInt8])] = []

        // A hello that is accepted, heartbeats' worth of time, one that is not (our own name).
        var accepted = Program([0x00, 0x00, 0x00, 0x00])
        accepted.op(.writeFrame, hello("a", cost: 1))
        accepted.exchange()
        accepted.op(.advance, 150)
        accepted.op(.tick, 0)
        accepted.op(.advance, 10)
        accepted.op(.tick, 1)
        accepted.op(.writeFrame, hello("hub", cost: 1))
        accepted.exchange()
        accepted.op(.advance, 201)
        seeds.append(("hello-accepted", accepted.bytes))

        // Allowed-peers list {a, b}, certificate names {b}, cost 2.5, per-node cost 3 for b.
        var checked = Program([0x00, 0x40 | 0x80 | 0b0110 << 2, 0x10 | 0b0100, 0x40 | 2 << 4])
        for frame in [hello("a", cost: 2.5), hello("b", cost: 3), hello("b", cost: 2.5), hello("node-3", cost: 2.5)] {
            checked.op(.writeFrame, frame)
        }
        checked.exchange()
        seeds.append(("hello-checks", checked.bytes))

        // Every sample frame over a 64-byte-segment link that loses, duplicates and reorders.
        var lossy = Program([0x01, 0x00, 0x00, 0x00])
        for i in 0..<sampleFrames.count { lossy.op(.writeFrame, UInt8(i)) }
        lossy.op(.senderSends)
        lossy.op(.deliver, 2 << 1)  // the first datagram is lost
        lossy.op(.deliver, 1 << 1 | 3 << 3)  // one arrives twice
        lossy.op(.deliver, 3 << 1 | 5 << 3)  // one arrives late
        lossy.op(.deliver, 0)
        lossy.op(.receiverSends)
        lossy.op(.deliverAll)
        lossy.op(.advance, 120)
        lossy.op(.senderTimer)
        lossy.exchange()
        lossy.op(.advance, 210)
        seeds.append(("lossy", lossy.bytes))

        // Small segments and windows: 16-byte segments, receive window 8, initial window 2,
        // minimum window 1, RTO 1 ms ... 1 s.
        var small = Program([0x02 | 0x08 | 0x10 | 0x20 | 0x80, 0x00, 0x00, 0x00])
        small.op(.write, data: Array(0..<200))
        for _ in 0..<6 {
            small.op(.senderSends)
            small.op(.deliver, 2 << 1)
            small.op(.deliverAll)
            small.op(.receiverSends)
            small.op(.deliverAll)
            small.op(.advance, 3)
        }
        seeds.append(("small-windows", small.bytes))

        // Hostile datagrams: data out of order and repeated, acks to both ends, resets.
        var hostile = Program([0x00, 0x00, 0x00, 0x00])
        hostile.op(.writeFrame, hello("a", cost: 1))
        hostile.op(.senderSends)
        for packet: UDPLinkPacket in [
            .data(connection: 3, sequence: 1, payload: ByteBuffer(string: "second")),
            .data(connection: 3, sequence: 0, payload: ByteBuffer(string: "first")),
            .data(connection: 3, sequence: 0, payload: ByteBuffer(string: "again")),
            .data(connection: 3, sequence: 70, payload: ByteBuffer(string: "far")),
            .ack(connection: 2, nextExpected: 0, selective: 1, window: 16),
            .reset(connection: 2),
            .ack(connection: 1, nextExpected: 1, selective: 0, window: 4096),
            .reset(connection: 1),
        ] {
            hostile.op(.hostile, data: datagram(packet))
        }
        hostile.op(.probeFlushes)
        seeds.append(("hostile", hostile.bytes))

        // Frame bodies decoded directly (hellos, and the other frames, which are not evaluated).
        var bodies = Program([0x00, 0x40 | 0b1111 << 2, 0x00, 0x00])
        for frame in sampleFrames {
            var b = ByteBuffer()
            frame.encode(into: &b)
            let body = Array(b.readableBytesView.dropFirst(4))
            if body.count < 256 { bodies.op(.frameBody, data: body) }
        }
        seeds.append(("frame-bodies", bodies.bytes))

        // A silent peer: the detector sends heartbeats, then declares the peer dead.
        var silent = Program([0x00, 0x00, 0x00, 0x00])
        for step: UInt8 in [150, 150, 50, 150, 180, 190] {
            silent.op(.advance, step)
        }
        seeds.append(("silent-peer", silent.bytes))
        return seeds
    }
}
