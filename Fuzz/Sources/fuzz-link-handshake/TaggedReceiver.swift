import FuzzSupport
import MeshNode
import NIOCore

/// A reliable-datagram receiver fed only hostile data packets (any sequence number, repeated,
/// out of order, far ahead). The harness puts each packet's sequence number in front of its
/// payload, so the bytes delivered say which sequences came out: they must be 0, 1, 2, ... with
/// none twice and none skipped, and the acks must describe exactly that.
struct TaggedReceiver {
    private var machine: ReliableDatagramConnection
    private let receiveWindow: UInt32
    /// Sequences delivered so far (the next one must carry this tag).
    private(set) var delivered: UInt64 = 0
    /// Every sequence fed, for checking the acks' selective bitmap.
    private var fed: Set<UInt64> = []

    init(configuration: ReliableDatagramConnection.Configuration) {
        machine = ReliableDatagramConnection(connection: 3, configuration: configuration)
        receiveWindow = configuration.receiveWindow
    }

    /// Feeds a data packet whose payload is `payload` behind the 8-byte tag `sequence`.
    mutating func receive(sequence: UInt64, payload: ByteBuffer, now: Duration) {
        var tagged = ByteBuffer()
        tagged.writeInteger(sequence)
        tagged.writeImmutableBuffer(payload)
        fed.insert(sequence)
        let result = machine.receive(.data(connection: 3, sequence: sequence, payload: tagged), now: now)
        guard !result.reset else { invariantFailure(harnessName, "a data packet reset the connection") }
        for var segment in result.delivered {
            guard let tag = segment.readInteger(as: UInt64.self), tag == delivered else {
                invariantFailure(harnessName, "delivered \(segment.readableBytes) bytes out of order: expected sequence \(delivered)")
            }
            delivered += 1
        }
    }

    /// Takes what the receiver sends: only acks, naming the next sequence to deliver, marking
    /// only sequences it was fed, offering a window of 1 ... the receive window.
    mutating func flush(now: Duration) {
        for packet in machine.outgoing(now: now, allocator: ByteBufferAllocator()) {
            guard case .ack(_, let next, let selective, let window) = packet else {
                invariantFailure(harnessName, "a receiver that was never written to sent \(packet)")
            }
            guard next == delivered, (1...receiveWindow).contains(window) else {
                invariantFailure(harnessName, "ack next \(next) window \(window); delivered \(delivered), receive window \(receiveWindow)")
            }
            for i in 0..<64 where selective & (1 << UInt64(i)) != 0 {
                guard fed.contains(next + 1 + UInt64(i)) else {
                    invariantFailure(harnessName, "ack marks sequence \(next + 1 + UInt64(i)), which never arrived")
                }
            }
        }
    }
}
