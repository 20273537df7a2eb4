import DequeModule
import MeshProtocol
import NIOCore

/// Identifies a stream at one endpoint: the other node, both ends' services, the opener's stream
/// ID, and which end we are. The services are part of the key: an open for another service that
/// reuses a stream ID is another stream, not a resend of the first.
struct StreamKey: Hashable, Sendable {
    var remoteNode: String
    var localService: String
    var remoteService: String
    var streamID: UInt32
    var weAreOpener: Bool
}

/// One end of a reliable, ordered, flow-controlled, half-closable byte stream over the mesh.
///
/// Reliability is end to end: bytes carry stream offsets, the receiver acknowledges cumulatively and
/// drops duplicates or out-of-order frames, and the sender keeps every unacknowledged byte. When the
/// route to the peer changes (a hop died) or no acknowledgement arrives within the retransmission
/// timeout (at least 400 ms, more on a path whose round trip, measured from send times echoed in acks,
/// is longer), the sender goes back to the last acknowledged offset and resends (go-back-N; links are
/// in order, so loss only happens when a hop disappears). Flow control is a credit window: the
/// receiver grants `consumed + window`, so a stream never has more than one window of bytes in
/// flight and no hop can be made to buffer more than that for it.
final class MeshStream: ByteDuplex {
    enum Phase: Equatable {
        case opening
        case open
        case closed
    }

    let key: StreamKey
    let localService: String
    let remoteService: String
    private unowned let manager: StreamManager
    private(set) var phase: Phase

    weak var duplexDelegate: (any ByteDuplexDelegate)? {
        didSet { deliver() }
    }

    // Send side.
    private var unsent = Deque<ByteBuffer>()
    private var unacked = Deque<(offset: UInt64, bytes: ByteBuffer)>()
    private var unsentBytes = 0
    private var ackedOffset: UInt64 = 0
    private var nextOffset: UInt64 = 0
    /// The highest offset ever sent (go-back moves `nextOffset` below it).
    private var highestSent: UInt64 = 0
    private var writtenEnd: UInt64 = 0
    private var peerWindowLimit: UInt64 = 0
    private var finRequested = false
    private var finSent = false
    private var finAcked = false
    private var lastWritable = true

    // Receive side.
    private var receivedOffset: UInt64 = 0
    private var consumedOffset: UInt64 = 0
    /// Bytes and the end of input for the user, handed out only while it reads (``InboundQueue``).
    private var inbound = InboundQueue()
    private var remoteFinOffset: UInt64?
    /// Every byte up to the peer's end has arrived (the end is then queued behind them).
    private var remoteFinReceived = false
    private var reading = true
    /// The user closed its end: what still arrives is acknowledged and discarded.
    private var closedLocally = false
    private var ackScheduled = false
    private var lastAdvertisedLimit: UInt64 = 0

    // Timers.
    private var retransmitTimer: LoopTimer
    private var noRouteTimer: LoopTimer
    private var lingerTimer: LoopTimer
    private var rto: TimeAmount
    private var lastProgress: NIODeadline
    /// Round-trip estimate from echoed send times (RFC 6298), for the retransmission timeout.
    private var roundTrip = RoundTripEstimator()
    /// The `sentAt` of the data frame that last moved `receivedOffset`, echoed in our acks.
    private var echoTime: UInt64 = 0
    private var openedPromise: EventLoopPromise<MeshStream>?
    private var currentNextHop: String?

    init(
        key: StreamKey,
        localService: String,
        remoteService: String,
        manager: StreamManager,
        phase: Phase,
        peerWindow: UInt64
    ) {
        self.key = key
        self.localService = localService
        self.remoteService = remoteService
        self.manager = manager
        self.phase = phase
        self.peerWindowLimit = Self.boundedLimit(peerWindow, above: 0)
        self.retransmitTimer = LoopTimer(loop: manager.loop)
        self.noRouteTimer = LoopTimer(loop: manager.loop)
        self.lingerTimer = LoopTimer(loop: manager.loop)
        self.rto = manager.configuration.initialRetransmitTimeout
        self.lastProgress = manager.loop.now
        self.lastAdvertisedLimit = manager.configuration.window
        self.currentNextHop = manager.nextHop(to: key.remoteNode)
    }

    private var window: UInt64 { manager.configuration.window }

    // MARK: opening

    /// Opener: sends the open request until it is answered or times out.
    func startOpening(promise: EventLoopPromise<MeshStream>) {
        openedPromise = promise
        sendFrame(.open(window: window))
        armRetransmit()
    }

    // MARK: ByteDuplex

    /// Writable while this end buffers less than a window and the peer's window has room (with one
    /// frame of slack), so a reader that stops reading stops the writer instead of growing our buffer.
    var isWritable: Bool {
        let (slack, overflow) = peerWindowLimit.addingReportingOverflow(UInt64(manager.configuration.frameSize))
        return phase != .closed && unsentBytes + unackedBytes < Int(manager.configuration.window)
            && (overflow || writtenEnd < slack)
    }

    /// Largest window we honour from a peer (offsets past what we acknowledged). A peer may grant
    /// any 64-bit limit; more than this is never needed and is cut, so no offset arithmetic on
    /// the peer's numbers can overflow.
    static let maximumPeerWindow: UInt64 = 1 << 32

    /// The peer's limit `limit`, cut to ``maximumPeerWindow`` past `base`.
    private static func boundedLimit(_ limit: UInt64, above base: UInt64) -> UInt64 {
        let (ceiling, overflow) = base.addingReportingOverflow(maximumPeerWindow)
        return overflow ? limit : min(limit, ceiling)
    }

    private var unackedBytes: Int { Int(nextOffset - ackedOffset) }

    func write(_ buffer: ByteBuffer) {
        guard phase != .closed, !finRequested, buffer.readableBytes > 0 else { return }
        unsent.append(buffer)
        unsentBytes += buffer.readableBytes
        writtenEnd += UInt64(buffer.readableBytes)
        transmit()
        updateWritability()
    }

    func closeWrite() {
        guard phase != .closed, !finRequested else { return }
        finRequested = true
        transmit()
    }

    func close(error: String?) {
        guard phase != .closed else { return }
        if let error {
            sendFrame(.reset(reason: error))
            terminate(error: error, notify: false)
        } else {
            closeWrite()
            // Stop reading: anything still arriving is acknowledged and discarded.
            closedLocally = true
            reading = false
            inbound.discard()
            if !remoteFinReceived {
                // A peer that never finishes its side must not keep the stream forever.
                lingerTimer.schedule(in: manager.configuration.lingerTimeout.timeAmount) { [weak self] in
                    guard let self, self.phase != .closed else { return }
                    self.abort("closed locally; \(self.key.remoteNode) did not finish its side in time")
                }
            }
            manager.streamMayBeDone(self)
        }
    }

    /// Aborts the stream from below (the peer restarted): resets it and tells the user why.
    func abort(_ reason: String) {
        guard phase != .closed else { return }
        sendFrame(.reset(reason: reason))
        terminate(error: reason, notify: true)
    }

    func setReading(_ reading: Bool) {
        self.reading = reading
        if reading { deliver() }
    }

    // MARK: inbound frames

    func handle(_ body: StreamFrame.Body) {
        switch body {
        case .open:
            // A retransmitted open: our acknowledgement was lost.
            if !key.weAreOpener { sendFrame(.openAck(window: window)) }
        case .openAck(let peerWindow):
            guard phase == .opening else { return }
            phase = .open
            peerWindowLimit = max(peerWindowLimit, Self.boundedLimit(peerWindow, above: 0))
            retransmitTimer.cancel()
            rto = manager.configuration.initialRetransmitTimeout
            openedPromise?.assumeIsolated().succeed(self)
            openedPromise = nil
            transmit()
        case .data(let offset, let sentAt, let bytes):
            receivedData(offset: offset, sentAt: sentAt, bytes: bytes)
        case .ack(let received, let limit, let echo):
            receivedAck(received: received, windowLimit: limit, echo: echo)
        case .fin(let offset):
            if offset < receivedOffset || (remoteFinOffset.map { $0 != offset } ?? false) {
                // An end before bytes it already sent us, or a second, different end: broken peer.
                let detail = "stream end at \(offset) after \(receivedOffset) bytes received"
                manager.noteProtocolError(kind: "stream_violation", peer: key.remoteNode, detail: detail)
                abort("protocol violation: \(detail)")
                return
            }
            if remoteFinOffset == nil { remoteFinOffset = offset }
            if !remoteFinReceived && receivedOffset == offset {
                remoteFinReceived = true
                inbound.receiveEnd()
            }
            scheduleAck(immediately: true)
            deliver()
        case .reset(let reason):
            terminate(error: reason.isEmpty ? "stream reset by peer" : reason, notify: true)
        }
    }

    /// The peer (or a hop) reported the stream's packets undeliverable.
    func unreachable(_ problem: String) {
        if phase == .opening {
            terminate(error: problem, notify: true)
        }
    }

    private func receivedData(offset: UInt64, sentAt: UInt64, bytes: ByteBuffer) {
        guard phase != .closed else { return }
        if phase == .opening && key.weAreOpener {
            // Data can only follow our open being accepted; treat it as the acceptance.
            handle(.openAck(window: window))
        }
        let length = UInt64(bytes.readableBytes)
        if offset > receivedOffset || offset + length <= receivedOffset || remoteFinReceived {
            // A gap (lost frames ahead of it) or a duplicate: drop, and tell the sender where we are.
            scheduleAck(immediately: true)
            return
        }
        let skip = Int(receivedOffset - offset)
        let limit = consumedOffset + window
        let usable = min(UInt64(bytes.readableBytes - skip), limit > receivedOffset ? limit - receivedOffset : 0)
        guard usable > 0 else {
            scheduleAck(immediately: true)
            return
        }
        guard let slice = bytes.getSlice(at: bytes.readerIndex + skip, length: Int(usable)) else { return }
        receivedOffset += usable
        echoTime = sentAt
        let finished = remoteFinOffset == receivedOffset
        if closedLocally {
            consumedOffset += usable  // discarded, but the window moves so the peer can finish
        } else if reading && inbound.isEmpty, let d = duplexDelegate {
            consumedOffset += usable
            d.duplexReceived(slice)
        } else {
            inbound.append(slice)
        }
        if finished && !remoteFinReceived && phase != .closed {
            remoteFinReceived = true
            inbound.receiveEnd()
        }
        scheduleAck(immediately: false)
        deliver()
    }

    private func receivedAck(received: UInt64, windowLimit: UInt64, echo: UInt64) {
        guard phase != .closed else { return }
        if phase == .opening && key.weAreOpener { handle(.openAck(window: windowLimit)) }
        peerWindowLimit = max(peerWindowLimit, Self.boundedLimit(windowLimit, above: ackedOffset))
        // Never more than we ever sent: a peer acknowledging unsent bytes would make us skip them.
        let dataAcked = min(received, writtenEnd, highestSent)
        if dataAcked > ackedOffset {
            // Only acknowledgements of new data measure the round trip (as TCP's timestamps).
            let now = Self.clock(manager.loop.now)
            if echo != 0, echo <= now { roundTrip.add(.microseconds(Int64(now - echo))) }
            // Never count bytes as acknowledged that we have not sent in this round (after a go-back).
            let newAcked = dataAcked
            while let first = unacked.first, first.offset + UInt64(first.bytes.readableBytes) <= newAcked {
                unacked.removeFirst()
            }
            if var first = unacked.first, first.offset < newAcked {
                let cut = Int(newAcked - first.offset)
                first.bytes.moveReaderIndex(forwardBy: cut)
                first.offset = newAcked
                unacked[unacked.startIndex] = first
            }
            if nextOffset < newAcked {
                // The receiver already had bytes we queued for resending: skip them.
                var toSkip = Int(newAcked - nextOffset)
                while toSkip > 0, var head = unsent.first {
                    let n = min(toSkip, head.readableBytes)
                    head.moveReaderIndex(forwardBy: n)
                    unsentBytes -= n
                    toSkip -= n
                    if head.readableBytes == 0 { unsent.removeFirst() } else { unsent[unsent.startIndex] = head }
                }
                nextOffset = newAcked
            }
            ackedOffset = newAcked
            progress()
        }
        if finSent && received > writtenEnd && !finAcked {
            finAcked = true
            progress()
        }
        transmit()
        updateWritability()
        if nothingOutstanding { retransmitTimer.cancel() }
        manager.streamMayBeDone(self)
    }

    private func progress() {
        lastProgress = manager.loop.now
        rto = baseRTO
        if !nothingOutstanding { armRetransmit() }
    }

    /// The timeout after progress: the configured one, or more on a path whose round trip is
    /// longer (a slow link queueing a whole window, a long-haul path). A fixed timeout made such
    /// streams resend every window that was only queued, not lost.
    private var baseRTO: TimeAmount {
        let initial = manager.configuration.initialRetransmitTimeout
        let floor = Duration.nanoseconds(initial.nanoseconds)
        let ceiling = Duration.nanoseconds(Self.maximumRTO.nanoseconds)
        return roundTrip.timeout(initial: floor, floor: floor, ceiling: ceiling).timeAmount
    }

    private static let maximumRTO: TimeAmount = .seconds(4)

    /// Our clock as sent in data frames: microseconds of the loop's uptime, never 0.
    private static func clock(_ now: NIODeadline) -> UInt64 {
        max(1, now.uptimeNanoseconds / 1000)
    }

    private var nothingOutstanding: Bool {
        unacked.isEmpty && (!finSent || finAcked) && phase != .opening
    }

    // MARK: sending

    private func transmit() {
        guard phase == .open else { return }
        let chunk = manager.configuration.frameSize
        var sentSomething = false
        while let head = unsent.first, nextOffset < peerWindowLimit {
            let allowed = Int(min(UInt64(chunk), peerWindowLimit - nextOffset))
            var buffer = head
            let slice: ByteBuffer
            if buffer.readableBytes <= allowed {
                slice = buffer
                unsent.removeFirst()
            } else {
                guard let part = buffer.readSlice(length: allowed) else { break }
                slice = part
                unsent[unsent.startIndex] = buffer
            }
            unsentBytes -= slice.readableBytes
            sendFrame(.data(offset: nextOffset, sentAt: Self.clock(manager.loop.now), bytes: slice))
            unacked.append((nextOffset, slice))
            nextOffset += UInt64(slice.readableBytes)
            highestSent = max(highestSent, nextOffset)
            sentSomething = true
        }
        if finRequested && unsent.isEmpty && !finSent {
            finSent = true
            sendFrame(.fin(offset: writtenEnd))
            sentSomething = true
        }
        if sentSomething || (!unsent.isEmpty && nextOffset >= peerWindowLimit) {
            // Outstanding data, or a closed window whose update might be lost: keep a timer running.
            if !retransmitTimer.isArmed { armRetransmit() }
        }
    }

    private func updateWritability() {
        let now = isWritable
        if now != lastWritable {
            lastWritable = now
            duplexDelegate?.duplexWritabilityChanged(now)
        }
    }

    private func armRetransmit() {
        retransmitTimer.schedule(in: rto) { [weak self] in self?.retransmitTimeout() }
    }

    private func retransmitTimeout() {
        guard phase != .closed else { return }
        if manager.loop.now - lastProgress > manager.configuration.streamTimeout.timeAmount {
            let message = phase == .opening ? "timeout" : "stream timed out: no progress from \(key.remoteNode)"
            sendFrame(.reset(reason: message))
            terminate(error: message, notify: true)
            return
        }
        if phase == .opening {
            sendFrame(.open(window: window))
        } else {
            goBack()
            if unacked.isEmpty && !unsent.isEmpty && nextOffset >= peerWindowLimit {
                // Window probe: an empty data frame makes the receiver repeat its acknowledgement.
                sendFrame(.data(offset: nextOffset, sentAt: Self.clock(manager.loop.now), bytes: ByteBuffer()))
            }
        }
        rto = min(rto * 2, Self.maximumRTO)
        if !nothingOutstanding || (!unsent.isEmpty) { armRetransmit() }
    }

    /// Resend everything unacknowledged from the last acknowledged offset.
    private func goBack() {
        guard phase == .open else { return }
        if !unacked.isEmpty {
            for item in unacked.reversed() {
                unsent.prepend(item.bytes)
                unsentBytes += item.bytes.readableBytes
            }
            if let first = unacked.first { nextOffset = first.offset }
            unacked.removeAll()
        }
        if finSent && !finAcked { finSent = false }
        transmit()
    }

    /// Called when routes change: resend at once if the path moved; arm the no-route timer if none.
    func routesChanged() {
        guard phase != .closed else { return }
        let hop = manager.nextHop(to: key.remoteNode)
        if hop == nil && key.remoteNode != manager.localNode {
            if !noRouteTimer.isArmed {
                noRouteTimer.schedule(in: manager.configuration.noRouteGrace.timeAmount) { [weak self] in
                    guard let self, self.manager.nextHop(to: self.key.remoteNode) == nil else { return }
                    self.terminate(error: "no route to node \(self.key.remoteNode)", notify: true)
                }
            }
        } else {
            noRouteTimer.cancel()
        }
        if hop != currentNextHop {
            currentNextHop = hop
            if hop != nil {
                if phase == .opening { sendFrame(.open(window: window)) } else { goBack() }
            }
        }
    }

    private func sendFrame(_ body: StreamFrame.Body) {
        manager.send(StreamFrame(streamID: key.streamID, fromOpener: key.weAreOpener, body: body), for: self)
    }

    // MARK: receiving side delivery and acknowledgements

    private func deliver() {
        guard let d = duplexDelegate else { return }
        while phase != .closed, let event = inbound.next(reading: reading) {
            switch event {
            case .data(let buffer):
                consumedOffset += UInt64(buffer.readableBytes)
                d.duplexReceived(buffer)
            case .inputClosed:
                if consumedOffset + window >= lastAdvertisedLimit + window / 4 { scheduleAck(immediately: false) }
                d.duplexInputClosed()
                manager.streamMayBeDone(self)
                return
            case .closed:
                return  // a mesh stream's close comes from `terminate`, never from the queue
            }
        }
        if phase == .closed || (!reading && !inbound.isEmpty) { return }
        if consumedOffset + window >= lastAdvertisedLimit + window / 4 {
            scheduleAck(immediately: false)
        }
    }

    private func scheduleAck(immediately: Bool) {
        guard !ackScheduled else { return }
        ackScheduled = true
        manager.loop.assumeIsolated().execute { [weak self] in
            guard let self else { return }
            self.ackScheduled = false
            self.sendAck()
        }
    }

    private func sendAck() {
        guard phase != .closed else { return }
        let limit = consumedOffset + window
        lastAdvertisedLimit = limit
        let received = receivedOffset + (remoteFinReceived ? 1 : 0)
        sendFrame(.ack(received: received, windowLimit: limit, echo: echoTime))
    }

    // MARK: completion

    /// True once both directions are finished and acknowledged.
    var isFinished: Bool {
        // Never while bytes wait for a paused user: those are delivered first.
        phase == .open && finAcked && remoteFinReceived && (inbound.hasDeliveredInputClosed || closedLocally)
    }

    func terminate(error: String?, notify: Bool) {
        guard phase != .closed else { return }
        phase = .closed
        retransmitTimer.cancel()
        noRouteTimer.cancel()
        lingerTimer.cancel()
        unsent.removeAll()
        unacked.removeAll()
        inbound.discard()
        if let p = openedPromise {
            openedPromise = nil
            p.fail(MeshStreamError(message: error ?? "stream closed"))
        }
        manager.remove(self)
        if notify { duplexDelegate?.duplexClosed(error: error) }
    }
}

/// Why a stream could not be opened or was aborted.
struct MeshStreamError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
