#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FuzzSupport
import MeshNode
import MeshProtocol
import NIOCore

extension LinkRun {
    /// The sender's packets go into the network. Each must fit a datagram and decode to itself;
    /// the sender sends only data: new sequences in order, each a slice of what its link wrote
    /// at the next offset, and a resent sequence with exactly its first payload. After sending,
    /// data still unacknowledged has a retransmission deadline.
    mutating func senderSends() {
        for packet in sender.outgoing(now: now, allocator: allocator) {
            guard case .data(_, let sequence, let payload) = packet else {
                invariantFailure(harnessName, "the sender, which never received data, sent \(packet)")
            }
            checkSent(sequence: sequence, payload: payload)
            let flight = encode(packet)
            if toReceiver.count < Self.networkLimit { toReceiver.append(flight) }
        }
        if !forgedAck, sender.bufferedBytes > sender.unsentBytes, sender.deadline == nil {
            invariantFailure(harnessName, "data outstanding and no retransmission deadline: \(sender.senderSummary)")
        }
    }

    /// The receiver's packets (acks only: it never writes) go into the network. An ack names the
    /// next sequence to deliver, marks only sequences the sender has sent, and offers a window.
    mutating func receiverSends() {
        for packet in receiver.outgoing(now: now, allocator: allocator) {
            guard case .ack(_, let next, let selective, let window) = packet else {
                invariantFailure(harnessName, "the receiver, which never wrote, sent \(packet)")
            }
            guard next == UInt64(deliveredSegments), (1...setup.reliable.receiveWindow).contains(window) else {
                invariantFailure(harnessName, "ack next \(next) window \(window); \(deliveredSegments) segments delivered")
            }
            guard selective == 0 || Int(next) + 1 + (63 - selective.leadingZeroBitCount) < segments.count else {
                invariantFailure(harnessName, "ack bitmap \(selective) after \(next) marks a sequence never sent (\(segments.count) sent)")
            }
            let flight = encode(packet)
            if toSender.count < Self.networkLimit { toSender.append(flight) }
        }
    }

    /// Encodes `packet` as a datagram, checking that it fits one (it is decoded, and compared
    /// with `packet`, when it arrives).
    func encode(_ packet: UDPLinkPacket) -> InFlight {
        let datagram = packet.encoded(allocator: allocator)
        guard datagram.readableBytes <= UDPLinkPacket.maximumSize else {
            invariantFailure(harnessName, "a datagram of \(datagram.readableBytes) bytes")
        }
        return InFlight(datagram: datagram, sent: packet)
    }

    /// Decodes a datagram that arrived: it must be the packet that was sent.
    func decode(_ flight: InFlight) -> UDPLinkPacket {
        guard let packet = try? UDPLinkPacket.decode(flight.datagram), packet == flight.sent else {
            invariantFailure(harnessName, "\(flight.sent) does not decode to itself")
        }
        return packet
    }

    /// Checks one data packet the sender sent against what its link wrote.
    mutating func checkSent(sequence: UInt64, payload: ByteBuffer) {
        let length = payload.readableBytes
        guard length > 0, length <= setup.reliable.segmentSize else {
            invariantFailure(harnessName, "sequence \(sequence) carries \(length) bytes (segment size \(setup.reliable.segmentSize))")
        }
        if sequence == UInt64(segments.count) {
            guard sentEnd + length <= written.count, sameBytes(payload, written, at: sentEnd) else {
                invariantFailure(harnessName, "new sequence \(sequence) is not the next \(length) bytes written at \(sentEnd)")
            }
            segments.append((sentEnd, length))
            sentEnd += length
        } else if sequence < UInt64(segments.count) {
            let first = segments[Int(sequence)]
            guard length == first.length, sameBytes(payload, written, at: first.start) else {
                invariantFailure(harnessName, "resent sequence \(sequence) differs from its first transmission")
            }
        } else {
            invariantFailure(harnessName, "sent sequence \(sequence) with only \(segments.count) sent before")
        }
    }

    /// Runs one delivery op (see ``Op/deliver``).
    mutating func deliver(_ b: UInt8) {
        let toTheReceiver = b & 1 == 0
        let count = toTheReceiver ? toReceiver.count : toSender.count
        guard count > 0 else { return }
        let index = Int(b >> 3) % count
        let flight = toTheReceiver ? toReceiver[index] : toSender[index]
        let mode = b >> 1 & 3
        if mode != 1 {
            if toTheReceiver { toReceiver.remove(at: index) } else { toSender.remove(at: index) }
        }
        switch mode {
        case 2: return  // lost
        case 3:  // reordered: it will arrive after everything now in flight
            if toTheReceiver { toReceiver.append(flight) } else { toSender.append(flight) }
            return
        default: break
        }
        if toTheReceiver { arriveAtReceiver(flight) } else { arriveAtSender(flight) }
    }

    /// Delivers everything in flight, both ways, in order.
    mutating func deliverAll() {
        let (down, up) = (toReceiver, toSender)
        toReceiver.removeAll()
        toSender.removeAll()
        for flight in down { arriveAtReceiver(flight) }
        for flight in up { arriveAtSender(flight) }
    }

    /// A datagram from the sender arrives: any datagram is a sign of life to the failure detector;
    /// each segment delivered must be the next one the sender sent, whole; its bytes go on to the
    /// link's frame decoder.
    mutating func arriveAtReceiver(_ flight: InFlight) {
        let packet = decode(flight)
        let result = receiver.receive(packet, now: now)
        detector.received(now: now)
        guard !result.reset else { invariantFailure(harnessName, "data reset the receiver") }
        for segment in result.delivered {
            guard deliveredSegments < segments.count else {
                invariantFailure(harnessName, "delivered segment \(deliveredSegments), which was never sent")
            }
            let expected = segments[deliveredSegments]
            guard expected.start == deliveredBytes, segment.readableBytes == expected.length,
                sameBytes(segment, written, at: expected.start)
            else {
                invariantFailure(harnessName, "segment \(deliveredSegments) delivered with the wrong bytes (twice, or out of order)")
            }
            deliveredSegments += 1
            deliveredBytes += expected.length
            decodeFrames(segment)
        }
    }

    /// An ack from the receiver arrives at the sender.
    mutating func arriveAtSender(_ flight: InFlight) {
        let packet = decode(flight)
        let result = sender.receive(packet, now: now)
        guard result.delivered.isEmpty, !result.reset else {
            invariantFailure(harnessName, "an ack delivered data or reset the sender")
        }
    }

    /// Feeds delivered bytes to the link's frame decoder; every frame is life, every hello is checked.
    mutating func decodeFrames(_ bytes: ByteBuffer) {
        guard !framesBroken else { return }
        var decoded: [LinkFrame] = []
        do {
            try frames.process(buffer: bytes) { decoded.append($0) }
        } catch {
            framesBroken = true
        }
        for frame in decoded {
            detector.received(now: now)
            if case .hello(let hello) = frame { checkHello(hello, setup) }
            if case .heartbeat(let heartbeat) = frame { detector.heard(heartbeat.kind, now: now) }
        }
    }

    /// After every op: the sender's counters stay in their documented ranges, it holds exactly
    /// the bytes not yet sent as unsent, and (on an honest network) it has let go only of bytes
    /// the receiver delivered.
    func checkSender() {
        let c = setup.reliable
        let window = sender.congestionWindow
        guard sender.pipe >= 0, receiver.pipe == 0,
            window >= min(c.initialWindow, c.minimumWindow), window <= max(c.maximumWindow, c.initialWindow)
        else {
            invariantFailure(harnessName, "sender counters out of range: \(sender.senderSummary)")
        }
        let rto = sender.retransmissionTimeout
        guard rto >= min(c.minimumRTO, c.initialRTO), rto <= max(c.maximumRTO, c.initialRTO) else {
            invariantFailure(harnessName, "retransmission timeout \(rto) outside \(c.minimumRTO)...\(c.maximumRTO)")
        }
        guard sender.unsentBytes == written.count - sentEnd, sender.bufferedBytes <= written.count else {
            invariantFailure(harnessName, "sender holds \(sender.unsentBytes) unsent, \(sender.bufferedBytes) buffered of \(written.count) written, \(sentEnd) sent")
        }
        if !forgedAck, written.count - sender.bufferedBytes > deliveredBytes {
            invariantFailure(harnessName, "sender let go of \(written.count - sender.bufferedBytes) bytes; only \(deliveredBytes) delivered")
        }
    }

    /// At the end of an honest program: with the network fixed (nothing lost from now on), every
    /// byte written arrives, and the sender is left holding nothing.
    mutating func drain() {
        guard !forgedAck else { return }
        deliverAll()
        for _ in 0..<20_000 {
            if deliveredBytes == written.count, sender.bufferedBytes == 0 { return }
            senderSends()
            receiverSends()
            if toReceiver.isEmpty, toSender.isEmpty {
                guard let due = sender.deadline else {
                    invariantFailure(harnessName, "stalled with \(written.count - deliveredBytes) bytes undelivered: \(sender.senderSummary)")
                }
                now = max(now, due)
                fireTimer()
            } else {
                now += .milliseconds(1)
                deliverAll()
            }
            checkSender()
        }
        invariantFailure(harnessName, "not drained after 20000 rounds: \(deliveredBytes) of \(written.count) bytes; \(sender.senderSummary)")
    }
}

/// Whether `buffer`'s readable bytes equal `array[start...]`'s first bytes (`memcmp`: comparing
/// byte by byte through `ByteBufferView` took a third of the harness's time).
func sameBytes(_ buffer: ByteBuffer, _ array: [UInt8], at start: Int) -> Bool {
    let count = buffer.readableBytes
    guard start >= 0, start + count <= array.count else { return false }
    guard count > 0 else { return true }
    return buffer.withUnsafeReadableBytes { bytes in
        array.withUnsafeBytes { whole in
            guard let a = bytes.baseAddress, let b = whole.baseAddress else { return false }
            return memcmp(a, b + start, count) == 0
        }
    }
}
