import DequeModule
import HeapModule
import MeshStreams
import NIOCore

/// A reliable, ordered byte stream over datagrams: the engine of a UDP link.
///
/// Why a UDP link carries a byte stream (and not one datagram per message, as receptor does):
/// the link protocol above it (hello, heartbeats, routing, stream frames of up to 128 KiB) is the
/// same for every backend, and a frame that had to survive as one datagram would be lost whole
/// whenever any of its IP fragments is. Here each datagram is at most 1232 bytes, so the IP layer
/// never fragments, and a lost datagram costs one retransmission of 1.2 KB rather than a whole
/// frame (and, for stream data, a go-back-N resend end to end).
///
/// The machine is pure: it is fed bytes to send, packets received and the current time, and it
/// answers with packets to send, bytes delivered in order, and the next time it wants to be woken.
///
/// Sender: sequence-numbered segments; cumulative + selective acks; a segment is declared lost
/// when a segment sent after it (in a later batch, or at least three sequence numbers later) has
/// been acknowledged, or when the retransmission timer (RFC 6298 estimate, 20 to 300 ms; backed
/// off only while nothing moves) fires. Lost segments are resent lowest first. A congestion window
/// (slow start, then additive increase; halved once per loss episode and on a timeout, never
/// below 16 segments) keeps a rate-limited path from being flooded without letting random loss
/// starve the link.
///
/// Receiver: delivers in order, keeps out-of-order segments within its window, and acks after
/// each batch of datagrams with the next expected sequence, a bitmap of the 64 sequences after
/// it, and how far past it the sender may go (twice while it is missing something).
/// (Public for the fuzz harnesses in `Fuzz/`.)
public struct ReliableDatagramConnection {
    /// Tunables (defaults suit both loopback and real networks).
    public struct Configuration {
        public var segmentSize = UDPLinkPacket.maximumPayload
        public var initialWindow: Double = 32
        /// The window never shrinks below this (about 19 KB): a link's loss is more often noise
        /// than a queue overflowing at so small a window, and collapsing to a few segments left a
        /// lossy link waiting on timeouts.
        public var minimumWindow: Double = 16
        public var maximumWindow: Double = 4096
        /// Sequences past the next expected one that the receiver buffers.
        public var receiveWindow: UInt32 = 4096
        public var initialRTO: Duration = .milliseconds(200)
        public var minimumRTO: Duration = .milliseconds(20)
        /// Low on purpose: a link is declared dead after 1 s of silence, so waiting longer than this
        /// between retransmissions would only let a few lost datagrams kill a healthy link.
        public var maximumRTO: Duration = .milliseconds(300)

        /// The defaults.
        public init() {}
    }

    /// What a received packet produced.
    public struct Received {
        /// Bytes now deliverable in order (possibly several segments).
        public var delivered: [ByteBuffer] = []
        /// The peer closed the connection.
        public var reset = false
    }

    private struct Segment {
        let sequence: UInt64
        let payload: ByteBuffer
        var sentAt: Duration
        var transmissions: Int
        var sacked = false
        var lost = false
    }

    public let connection: UInt32
    public let configuration: Configuration

    // MARK: sender state

    private var unsent = Deque<ByteBuffer>()
    public private(set) var unsentBytes = 0
    /// Segments from the oldest unacknowledged one, contiguous by sequence.
    private var segments = Deque<Segment>()
    private var inFlightBytes = 0
    /// Sequences declared lost, lowest first: the oldest hole is always repaired first, so the
    /// cumulative ack moves (a FIFO let a hole re-declared lost wait behind hundreds of segments
    /// the receiver already had, and the link stalled). Entries may repeat or be stale; they are
    /// checked when taken.
    private var lostQueue = Heap<UInt64>()
    private var nextSequence: UInt64 = 0
    /// The peer accepts sequences below this.
    private var peerLimit: UInt64
    /// Segments sent and neither acknowledged nor declared lost.
    public private(set) var pipe = 0
    public private(set) var congestionWindow: Double
    private var slowStartThreshold: Double
    private var recoveryEnd: UInt64 = 0
    private var roundTrip = RoundTripEstimator()
    public private(set) var retransmissionTimeout: Duration
    private var retransmissionDeadline: Duration?
    /// The most recently sent segment known to have arrived (RACK-style loss detection).
    private var newestDelivered: (sentAt: Duration, sequence: UInt64)?
    /// When the cumulative ack last moved (or data was first outstanding).
    private var lastProgress: Duration = .zero
    /// Retransmissions so far (for metrics and tests).
    public private(set) var retransmissions = 0

    // MARK: receiver state

    private var nextExpected: UInt64 = 0
    private var outOfOrder: [UInt64: ByteBuffer] = [:]
    private var ackPending = false

    public init(connection: UInt32, configuration: Configuration = Configuration()) {
        self.connection = connection
        self.configuration = configuration
        self.congestionWindow = configuration.initialWindow
        self.slowStartThreshold = configuration.maximumWindow
        self.retransmissionTimeout = configuration.initialRTO
        self.peerLimit = UInt64(configuration.initialWindow)
    }

    /// Bytes accepted for sending and not yet acknowledged (the caller stops feeding above a bound).
    public var bufferedBytes: Int { unsentBytes + inFlightBytes }

    /// When ``timeout(now:)`` should run next, if anything is outstanding.
    public var deadline: Duration? { retransmissionDeadline }

    /// Whether ``outgoing(now:)`` has something to send right now.
    public var wantsToSend: Bool {
        ackPending || (!lostQueue.isEmpty && Double(pipe) < congestionWindow)
            || (unsentBytes > 0 && Double(pipe) < congestionWindow && nextSequence < peerLimit)
    }

    // MARK: sending

    /// Queues bytes of the stream for sending.
    public mutating func write(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0 else { return }
        unsentBytes += bytes.readableBytes
        unsent.append(bytes)
    }

    /// Packets to send now: an ack if one is due, then retransmissions and new data as far as the
    /// congestion window and the peer's window allow.
    public mutating func outgoing(now: Duration, allocator: ByteBufferAllocator) -> [UDPLinkPacket] {
        var packets: [UDPLinkPacket] = []
        if ackPending {
            let ack = makeAck()
            packets.append(ack)
            // While there is a hole, say it twice: the sender repairs holes from these reports,
            // and one lost ack would otherwise leave it waiting for its timer.
            if !outOfOrder.isEmpty { packets.append(ack) }
            ackPending = false
        }
        var sentData = false
        while Double(pipe) < congestionWindow, let sequence = lostQueue.popMin() {
            guard let index = index(of: sequence), segments[index].lost, !segments[index].sacked else { continue }
            segments[index].lost = false
            segments[index].sentAt = now
            segments[index].transmissions += 1
            pipe += 1
            retransmissions += 1
            packets.append(.data(connection: connection, sequence: sequence, payload: segments[index].payload))
            sentData = true
        }
        if segments.isEmpty, unsentBytes > 0 { lastProgress = now }
        while Double(pipe) < congestionWindow, nextSequence < peerLimit, unsentBytes > 0 {
            let payload = takeSegment(allocator: allocator)
            segments.append(Segment(sequence: nextSequence, payload: payload, sentAt: now, transmissions: 1))
            inFlightBytes += payload.readableBytes
            packets.append(.data(connection: connection, sequence: nextSequence, payload: payload))
            nextSequence += 1
            pipe += 1
            sentData = true
        }
        if sentData, retransmissionDeadline == nil {
            retransmissionDeadline = now + retransmissionTimeout
        }
        return packets
    }

    /// The retransmission timer: everything still in flight is presumed lost.
    public mutating func timeout(now: Duration) {
        guard let due = retransmissionDeadline, due <= now else { return }
        retransmissionDeadline = nil
        guard !segments.isEmpty else { return }
        var outstanding = 0
        for i in segments.indices where !segments[i].sacked {
            outstanding += 1
            guard !segments[i].lost else { continue }
            segments[i].lost = true
            lostQueue.insert(segments[i].sequence)
            pipe -= 1
        }
        slowStartThreshold = max(congestionWindow / 2, configuration.minimumWindow)
        congestionWindow = slowStartThreshold
        recoveryEnd = nextSequence
        // Backed off, except for a thin stream (a few segments, e.g. heartbeats): there a loss says
        // little about congestion, and waiting longer only delays the peer's sign of life (Linux
        // does the same for thin TCP streams). Re-armed by the retransmissions outgoing() sends.
        if outstanding >= 4 {
            retransmissionTimeout = min(retransmissionTimeout * 2, configuration.maximumRTO)
        }
    }

    /// The sender's state in one line, for the log when a session is given up.
    public var senderSummary: String {
        let head = segments.first.map { "head \($0.sequence) sent x\($0.transmissions) lost \($0.lost) sacked \($0.sacked)" } ?? "no head"
        return "next \(nextSequence), \(segments.count) outstanding, \(head), pipe \(pipe), cwnd \(Int(congestionWindow)), "
            + "lost queue \(lostQueue.count), peer limit \(peerLimit), rto \(retransmissionTimeout), deadline \(String(describing: retransmissionDeadline))"
    }

    /// Whether data has been outstanding without any cumulative progress for longer than `limit`.
    public func isStalled(now: Duration, limit: Duration) -> Bool {
        !segments.isEmpty && now - lastProgress > limit
    }

    private func index(of sequence: UInt64) -> Int? {
        guard let base = segments.first?.sequence, sequence >= base else { return nil }
        let i = Int(sequence - base)
        return i < segments.count ? i : nil
    }

    /// Cuts the next segment off the unsent bytes (a slice when one buffer is big enough).
    private mutating func takeSegment(allocator: ByteBufferAllocator) -> ByteBuffer {
        let size = configuration.segmentSize
        if unsent[0].readableBytes >= size || unsent.count == 1 {
            let n = min(size, unsent[0].readableBytes)
            let slice = unsent[0].readSlice(length: n) ?? ByteBuffer()  // n <= readableBytes
            if unsent[0].readableBytes == 0 { unsent.removeFirst() }
            unsentBytes -= n
            return slice
        }
        var segment = allocator.buffer(capacity: min(size, unsentBytes))
        while segment.readableBytes < size, !unsent.isEmpty {
            let n = min(size - segment.readableBytes, unsent[0].readableBytes)
            var part = unsent[0].readSlice(length: n) ?? ByteBuffer()  // n <= readableBytes
            segment.writeBuffer(&part)
            if unsent[0].readableBytes == 0 { unsent.removeFirst() }
            unsentBytes -= n
        }
        return segment
    }

    // MARK: receiving

    /// Handles a packet of this connection (the caller has matched the connection ID).
    public mutating func receive(_ packet: UDPLinkPacket, now: Duration) -> Received {
        var result = Received()
        switch packet {
        case .data(_, let sequence, let payload):
            receiveData(sequence: sequence, payload: payload, into: &result)
        case .ack(_, let next, let selective, let window):
            receiveAck(nextExpected: next, selective: selective, window: window, now: now)
        case .reset:
            result.reset = true
        }
        return result
    }

    private mutating func receiveData(sequence: UInt64, payload: ByteBuffer, into result: inout Received) {
        ackPending = true
        if sequence < nextExpected || outOfOrder[sequence] != nil { return }
        if sequence >= nextExpected + UInt64(configuration.receiveWindow) { return }
        if sequence != nextExpected {
            // Copied: a slice would keep the whole receive buffer it came in alive.
            var copy = ByteBufferAllocator().buffer(capacity: payload.readableBytes)
            copy.writeImmutableBuffer(payload)
            outOfOrder[sequence] = copy
            return
        }
        result.delivered.append(payload)
        nextExpected += 1
        while let next = outOfOrder.removeValue(forKey: nextExpected) {
            result.delivered.append(next)
            nextExpected += 1
        }
    }

    private func makeAck() -> UDPLinkPacket {
        var bitmap: UInt64 = 0
        if !outOfOrder.isEmpty {
            for i in 0..<64 where outOfOrder[nextExpected + 1 + UInt64(i)] != nil {
                bitmap |= 1 << UInt64(i)
            }
        }
        let window = configuration.receiveWindow - UInt32(min(outOfOrder.count, Int(configuration.receiveWindow)))
        return .ack(connection: connection, nextExpected: nextExpected, selective: bitmap, window: window)
    }

    private mutating func receiveAck(nextExpected next: UInt64, selective: UInt64, window: UInt32, now: Duration) {
        // An ack for data never sent is ignored rather than trusted.
        guard next <= nextSequence else { return }
        peerLimit = max(peerLimit, next + UInt64(window))
        var newlyDelivered = 0
        var rttSample: Duration?
        func delivered(_ segment: Segment) {
            newlyDelivered += 1
            if segment.transmissions == 1 { rttSample = now - segment.sentAt }
            if newestDelivered.map({ segment.sentAt > $0.sentAt || (segment.sentAt == $0.sentAt && segment.sequence > $0.sequence) }) ?? true {
                newestDelivered = (segment.sentAt, segment.sequence)
            }
        }
        if let first = segments.first, first.sequence < next {
            lastProgress = now
            // Progress ends a timeout backoff.
            retransmissionTimeout = estimatedRTO
        }
        while let first = segments.first, first.sequence < next {
            if !first.sacked {
                if !first.lost { pipe -= 1 }
                delivered(first)
            }
            inFlightBytes -= first.payload.readableBytes
            segments.removeFirst()
        }
        if selective != 0 {
            for i in 0..<64 where selective & (1 << UInt64(i)) != 0 {
                guard let index = index(of: next + 1 + UInt64(i)), !segments[index].sacked else { continue }
                if !segments[index].lost { pipe -= 1 }
                segments[index].sacked = true
                delivered(segments[index])
            }
        }
        if let rttSample { updateRTT(rttSample) }
        if newlyDelivered > 0 {
            growWindow(by: newlyDelivered)
            detectLosses()
            retransmissionDeadline = segments.isEmpty ? nil : now + retransmissionTimeout
        }
    }

    private mutating func growWindow(by segments: Int) {
        if congestionWindow < slowStartThreshold {
            congestionWindow += Double(segments)
        } else {
            congestionWindow += Double(segments) / congestionWindow
        }
        congestionWindow = min(congestionWindow, configuration.maximumWindow)
    }

    /// A segment is lost when a later one arrived that was either sent after it (in a later
    /// batch: one UDP path barely reorders, and this recovers a lost heartbeat as soon as the next
    /// one arrives, rather than after a timeout), or sent with it but at least three sequences on.
    private mutating func detectLosses() {
        guard let newest = newestDelivered else { return }
        var lossSeen = false
        for i in segments.indices {
            let s = segments[i]
            guard s.sequence < newest.sequence else { break }
            guard !s.sacked, !s.lost else { continue }
            guard s.sentAt < newest.sentAt || (s.sentAt == newest.sentAt && s.sequence + 3 <= newest.sequence) else { continue }
            segments[i].lost = true
            lostQueue.insert(s.sequence)
            pipe -= 1
            if s.sequence >= recoveryEnd { lossSeen = true }
        }
        if lossSeen {
            slowStartThreshold = max(congestionWindow / 2, configuration.minimumWindow)
            congestionWindow = slowStartThreshold
            recoveryEnd = nextSequence
        }
    }

    private mutating func updateRTT(_ sample: Duration) {
        roundTrip.add(sample)
        retransmissionTimeout = estimatedRTO
    }

    /// The timeout from the current estimate, without backoff.
    private var estimatedRTO: Duration {
        roundTrip.timeout(initial: configuration.initialRTO, floor: configuration.minimumRTO, ceiling: configuration.maximumRTO)
    }
}
