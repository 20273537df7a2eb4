import DequeModule
import MeshProtocol
import NIOCore

/// One end of a reliable, ordered, flow-controlled, half-closable byte stream over the mesh, as a
/// pure state machine: it takes events (the user's writes and closes, stream frames from the
/// peer, route changes, timer expiries) with the current time, and returns ``Action``s for its
/// owner to perform. It does no I/O, reads no clock and schedules nothing; the owner arms one
/// timer at ``nextDeadline`` and drains received bytes with ``takeInbound()``.
///
/// Reliability is end to end: bytes carry stream offsets, the receiver acknowledges cumulatively
/// and drops duplicates or out-of-order frames, and the sender keeps every unacknowledged byte.
/// When the route to the peer changes (a hop died) or no acknowledgement arrives within the
/// retransmission timeout (at least the configured first timeout, more on a path whose round
/// trip, measured from send times echoed in acks, is longer), the sender goes back to the last
/// acknowledged offset and resends (go-back-N; links are in order, so loss only happens when a
/// hop disappears). Flow control is a credit window: the receiver grants `consumed + window`, so a
/// stream never has more than one window of bytes in flight and no hop buffers more than that.
///
/// The receive side is an ``InboundQueue``: bytes and the end of input are handed out only while
/// the user reads, and the stream is finished only once the end was delivered (or the user closed
/// its side) and our own end was acknowledged: "closed" is derived from both directions.
///
/// Every number from the peer is hostile: windows are cut to ``maximumPeerWindow`` past what was
/// acknowledged, sums saturate, acknowledgements of bytes never sent are cut to what was sent,
/// and an end before bytes already received is a protocol violation that resets the stream.
public struct StreamStateMachine: Sendable {
    public enum Phase: Equatable, Sendable {
        case opening
        case open
        case closed
    }

    /// What the owner must do.
    public enum Action: Sendable {
        /// Send this frame to the peer.
        case send(StreamFrame.Body)
        /// The opener's open was accepted: the stream is open.
        case opened
        /// ``isWritable`` changed.
        case writabilityChanged(Bool)
        /// Acknowledgements are due: call ``flushAck()`` soon (once per loop turn coalesces them).
        case ackDue
        /// Bytes or the end of input wait for the user: drain with ``takeInbound()``.
        case inboundReady
        /// The peer broke the stream protocol (the stream is reset as well).
        case protocolViolation(String)
        /// The stream is over: finished (`error == nil`) or aborted. `notifyUser` is false when
        /// the user itself closed it with an error. No action follows.
        case closed(error: String?, notifyUser: Bool)
    }

    /// Largest window we honour from a peer (offsets past what we acknowledged). A peer may grant
    /// any 64-bit limit; more than this is never needed and is cut, so no offset arithmetic on
    /// the peer's numbers can overflow.
    public static let maximumPeerWindow: UInt64 = 1 << 32
    static let maximumRTO: TimeAmount = .seconds(4)

    public let configuration: StreamConfiguration
    /// The peer's node ID, for error texts.
    public let peer: String
    /// True at the end that opened the stream.
    public let isOpener: Bool
    public internal(set) var phase: Phase

    // Send side.
    var unsent = Deque<ByteBuffer>()
    var unacked = Deque<(offset: UInt64, bytes: ByteBuffer)>()
    var unsentBytes = 0
    var ackedOffset: UInt64 = 0
    var nextOffset: UInt64 = 0
    /// The highest offset ever sent (go-back moves `nextOffset` below it).
    var highestSent: UInt64 = 0
    var writtenEnd: UInt64 = 0
    var peerWindowLimit: UInt64 = 0
    var finRequested = false
    var finSent = false
    var finAcked = false
    var lastWritable = true

    // Receive side.
    var receivedOffset: UInt64 = 0
    var consumedOffset: UInt64 = 0
    var inbound = InboundQueue()
    var remoteFinOffset: UInt64?
    /// Every byte up to the peer's end has arrived (the end is then queued behind them).
    var remoteFinReceived = false
    var reading = true
    /// The user closed its end: what still arrives is acknowledged and discarded.
    var closedLocally = false
    var ackPending = false
    var lastAdvertisedLimit: UInt64

    // Timers, as deadlines.
    var retransmitAt: NIODeadline?
    var noRouteAt: NIODeadline?
    var lingerAt: NIODeadline?
    var rto: TimeAmount
    var lastProgress: NIODeadline
    /// Round-trip estimate from echoed send times (RFC 6298), for the retransmission timeout.
    var roundTrip = RoundTripEstimator()
    /// The `sentAt` of the data frame that last moved `receivedOffset`, echoed in our acks.
    var echoTime: UInt64 = 0
    var hasRoute: Bool
    var pathGeneration: Int

    var actions: [Action] = []

    /// - Parameters:
    ///   - isOpener: whether this end opens the stream (it starts `opening`; the acceptor `open`).
    ///   - peerWindow: the window the opener offered (acceptor), or 0 (opener).
    ///   - hasRoute: whether a route to the peer exists now.
    ///   - now: the current time.
    public init(
        peer: String,
        isOpener: Bool,
        peerWindow: UInt64,
        configuration: StreamConfiguration,
        hasRoute: Bool = true,
        now: NIODeadline
    ) {
        self.peer = peer
        self.isOpener = isOpener
        self.phase = isOpener ? .opening : .open
        self.configuration = configuration
        self.peerWindowLimit = Self.boundedLimit(peerWindow, above: 0)
        self.rto = configuration.initialRetransmitTimeout
        self.lastProgress = now
        self.lastAdvertisedLimit = configuration.window
        self.hasRoute = hasRoute
        self.pathGeneration = 0
    }

    var window: UInt64 { configuration.window }

    /// The peer's limit `limit`, cut to ``maximumPeerWindow`` past `base`.
    static func boundedLimit(_ limit: UInt64, above base: UInt64) -> UInt64 {
        let (ceiling, overflow) = base.addingReportingOverflow(maximumPeerWindow)
        return overflow ? limit : min(limit, ceiling)
    }

    mutating func emit(_ action: Action) { actions.append(action) }

    mutating func takeActions() -> [Action] {
        defer { actions.removeAll(keepingCapacity: true) }
        return actions
    }

    // MARK: the user's side

    /// Writable while this end buffers less than a window and the peer's window has room (with one
    /// frame of slack), so a reader that stops reading stops the writer instead of growing our buffer.
    public var isWritable: Bool {
        let (slack, overflow) = peerWindowLimit.addingReportingOverflow(UInt64(configuration.frameSize))
        return phase != .closed && unsentBytes + unackedBytes < Int(clamping: configuration.window)
            && (overflow || writtenEnd < slack)
    }

    var unackedBytes: Int { Int(clamping: nextOffset &- ackedOffset) }

    /// Opener: sends the open request (resent until answered or timed out).
    public mutating func startOpening(now: NIODeadline) -> [Action] {
        emit(.send(.open(window: window)))
        armRetransmit(now: now)
        return takeActions()
    }

    /// Queues bytes for the peer.
    public mutating func write(_ buffer: ByteBuffer, now: NIODeadline) -> [Action] {
        guard phase != .closed, !finRequested, buffer.readableBytes > 0 else { return [] }
        unsent.append(buffer)
        unsentBytes += buffer.readableBytes
        writtenEnd += UInt64(buffer.readableBytes)
        transmit(now: now)
        updateWritability()
        return takeActions()
    }

    /// Sends the end of our side after the queued bytes (half-close).
    public mutating func closeWrite(now: NIODeadline) -> [Action] {
        guard phase != .closed, !finRequested else { return [] }
        finRequested = true
        transmit(now: now)
        return takeActions()
    }

    /// Closes both directions: with an error, a reset; without, our end after the queued bytes,
    /// and what still arrives is acknowledged and discarded (the peer has until the linger timeout
    /// to finish its side).
    public mutating func close(error: String?, now: NIODeadline) -> [Action] {
        guard phase != .closed else { return [] }
        if let error {
            emit(.send(.reset(reason: error)))
            terminate(error: error, notify: false)
            return takeActions()
        }
        if !finRequested {
            finRequested = true
            transmit(now: now)
        }
        closedLocally = true
        reading = false
        inbound.discard()
        if !remoteFinReceived {
            lingerAt = now + configuration.lingerTimeout.timeAmount
        }
        finishIfDone()
        return takeActions()
    }

    /// Aborts the stream from below (the peer restarted): resets it and tells the user why.
    public mutating func abort(_ reason: String) -> [Action] {
        guard phase != .closed else { return [] }
        emit(.send(.reset(reason: reason)))
        terminate(error: reason, notify: true)
        return takeActions()
    }

    /// Stops or resumes handing received bytes to the user (backpressure towards the peer).
    public mutating func setReading(_ reading: Bool) -> [Action] {
        guard !closedLocally, phase != .closed else { return [] }
        self.reading = reading
        if reading && !inbound.isEmpty || reading && remoteFinReceived && !inbound.hasDeliveredInputClosed {
            emit(.inboundReady)
        }
        return takeActions()
    }

    /// The next thing for the user, while it reads: bytes, then the end of input. The window
    /// moves as bytes are taken. Call ``deliveryPaused()`` after draining.
    public mutating func takeInbound() -> InboundQueue.Event? {
        guard phase != .closed else { return nil }
        guard let event = inbound.next(reading: reading) else { return nil }
        if case .data(let buffer) = event { consumedOffset += UInt64(buffer.readableBytes) }
        return event
    }

    /// After the owner drained ``takeInbound()``: acknowledges the credit it freed, and finishes
    /// the stream if both directions are done.
    public mutating func deliveryPaused() -> [Action] {
        guard phase != .closed else { return takeActions() }
        if !reading && !inbound.isEmpty { return takeActions() }
        if consumedOffset + window >= lastAdvertisedLimit + window / 4 { scheduleAck() }
        finishIfDone()
        return takeActions()
    }

    /// True once both directions are finished and acknowledged.
    public var isFinished: Bool {
        // Never while bytes wait for a paused user: those are delivered first.
        phase == .open && finAcked && remoteFinReceived && (inbound.hasDeliveredInputClosed || closedLocally)
    }

    // MARK: routes and timers

    /// The route to the peer changed: resend at once if the path moved, start the no-route grace
    /// if there is none. `pathChanged` is true when the first hop differs from before.
    public mutating func routeChanged(hasRoute: Bool, pathChanged: Bool, now: NIODeadline) -> [Action] {
        guard phase != .closed else { return [] }
        self.hasRoute = hasRoute
        if !hasRoute {
            if noRouteAt == nil { noRouteAt = now + configuration.noRouteGrace.timeAmount }
        } else {
            noRouteAt = nil
        }
        if pathChanged && hasRoute {
            if phase == .opening { emit(.send(.open(window: window))) } else { goBack(now: now) }
        }
        return takeActions()
    }

    /// The earliest time ``timerFired(now:)`` has something to do.
    public var nextDeadline: NIODeadline? {
        guard phase != .closed else { return nil }
        var earliest = retransmitAt
        if let d = noRouteAt, earliest.map({ d < $0 }) ?? true { earliest = d }
        if let d = lingerAt, earliest.map({ d < $0 }) ?? true { earliest = d }
        return earliest
    }

    /// Runs whatever timers are due at `now`.
    public mutating func timerFired(now: NIODeadline) -> [Action] {
        guard phase != .closed else { return [] }
        if let at = lingerAt, at <= now {
            lingerAt = nil
            let reason = "closed locally; \(peer) did not finish its side in time"
            emit(.send(.reset(reason: reason)))
            terminate(error: reason, notify: true)
            return takeActions()
        }
        if let at = noRouteAt, at <= now {
            noRouteAt = nil
            if !hasRoute {
                terminate(error: "no route to node \(peer)", notify: true)
                return takeActions()
            }
        }
        if let at = retransmitAt, at <= now {
            retransmitAt = nil
            retransmitTimeout(now: now)
        }
        return takeActions()
    }

    /// A hop reported the stream's messages undeliverable: an open in flight fails.
    public mutating func unreachable(_ problem: String) -> [Action] {
        if phase == .opening { terminate(error: problem, notify: true) }
        return takeActions()
    }

    // MARK: completion

    mutating func finishIfDone() {
        guard isFinished else { return }
        // The acknowledgement of the peer's end goes out before we forget the stream: without
        // it the peer resends its end to a stream that no longer exists and is reset.
        if ackPending {
            ackPending = false
            let received = receivedOffset + (remoteFinReceived ? 1 : 0)
            emit(.send(.ack(received: received, windowLimit: consumedOffset + window, echo: echoTime)))
        }
        terminate(error: nil, notify: true)
    }

    mutating func terminate(error: String?, notify: Bool) {
        guard phase != .closed else { return }
        phase = .closed
        retransmitAt = nil
        noRouteAt = nil
        lingerAt = nil
        unsent.removeAll()
        unacked.removeAll()
        inbound.discard()
        emit(.closed(error: error, notifyUser: notify))
    }
}
