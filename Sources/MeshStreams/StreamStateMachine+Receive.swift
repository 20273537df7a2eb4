import MeshProtocol
import NIOCore

extension StreamStateMachine {
    /// A stream frame from the peer.
    public mutating func receive(_ body: StreamFrame.Body, now: NIODeadline) -> [Action] {
        guard phase != .closed else { return [] }
        switch body {
        case .open:
            // A retransmitted open: our acknowledgement was lost.
            if !isOpener { emit(.send(.openAck(window: window))) }
        case .openAck(let peerWindow):
            accepted(peerWindow: peerWindow, now: now)
        case .data(let offset, let sentAt, let bytes):
            receivedData(offset: offset, sentAt: sentAt, bytes: bytes, now: now)
        case .ack(let received, let limit, let echo):
            receivedAck(received: received, windowLimit: limit, echo: echo, now: now)
        case .fin(let offset):
            receivedFin(offset: offset)
        case .reset(let reason):
            terminate(error: reason.isEmpty ? "stream reset by peer" : reason, notify: true)
        }
        return takeActions()
    }

    private mutating func accepted(peerWindow: UInt64, now: NIODeadline) {
        guard phase == .opening else { return }
        phase = .open
        peerWindowLimit = max(peerWindowLimit, Self.boundedLimit(peerWindow, above: 0))
        retransmitAt = nil
        rto = configuration.initialRetransmitTimeout
        emit(.opened)
        transmit(now: now)
        updateWritability()
    }

    private mutating func receivedFin(offset: UInt64) {
        if offset < receivedOffset || (remoteFinOffset.map { $0 != offset } ?? false) {
            // An end before bytes it already sent us, or a second, different end: broken peer.
            let detail = "stream end at \(offset) after \(receivedOffset) bytes received"
            emit(.protocolViolation(detail))
            emit(.send(.reset(reason: "protocol violation: \(detail)")))
            terminate(error: "protocol violation: \(detail)", notify: true)
            return
        }
        if remoteFinOffset == nil { remoteFinOffset = offset }
        // The ack is scheduled first: reaching the end may finish the stream (we closed our side
        // already), and the finish sends the pending ack of the peer's end. Scheduled after, it
        // was lost, and the peer resent its end to a stream we had forgotten.
        scheduleAck()
        if !remoteFinReceived && receivedOffset == offset { endReached() }
    }

    /// Every byte up to the peer's end is in: the end is queued behind them.
    private mutating func endReached() {
        remoteFinReceived = true
        inbound.receiveEnd()
        if closedLocally {
            lingerAt = nil
            finishIfDone()
        } else {
            emit(.inboundReady)
        }
    }

    private mutating func receivedData(offset: UInt64, sentAt: UInt64, bytes: ByteBuffer, now: NIODeadline) {
        if phase == .opening && isOpener {
            // Data can only follow our open being accepted; treat it as the acceptance.
            accepted(peerWindow: window, now: now)
        }
        let length = UInt64(bytes.readableBytes)
        // `offset <= receivedOffset` is checked first, so the sum cannot overflow.
        if offset > receivedOffset || offset + length <= receivedOffset || remoteFinReceived {
            // A gap (lost frames ahead of it) or a duplicate: drop, and tell the sender where we are.
            scheduleAck()
            return
        }
        let skip = Int(receivedOffset - offset)
        let limit = consumedOffset + window
        let usable = min(UInt64(bytes.readableBytes - skip), limit > receivedOffset ? limit - receivedOffset : 0)
        guard usable > 0, let slice = bytes.getSlice(at: bytes.readerIndex + skip, length: Int(usable)) else {
            scheduleAck()
            return
        }
        receivedOffset += usable
        echoTime = sentAt
        if closedLocally {
            consumedOffset += usable  // discarded, but the window moves so the peer can finish
        } else {
            inbound.append(slice)
            emit(.inboundReady)
        }
        scheduleAck()
        if remoteFinOffset == receivedOffset && !remoteFinReceived { endReached() }
    }

    private mutating func receivedAck(received: UInt64, windowLimit: UInt64, echo: UInt64, now: NIODeadline) {
        if phase == .opening && isOpener { accepted(peerWindow: windowLimit, now: now) }
        peerWindowLimit = max(peerWindowLimit, Self.boundedLimit(windowLimit, above: ackedOffset))
        // Never more than we ever sent: a peer acknowledging unsent bytes would make us skip them.
        let dataAcked = min(received, writtenEnd, highestSent)
        if dataAcked > ackedOffset {
            // Only acknowledgements of new data measure the round trip (as TCP's timestamps).
            let clock = Self.clock(now)
            if echo != 0, echo <= clock { roundTrip.add(.microseconds(Int64(clock - echo))) }
            while let first = unacked.first, first.offset + UInt64(first.bytes.readableBytes) <= dataAcked {
                unacked.removeFirst()
            }
            if var first = unacked.first, first.offset < dataAcked {
                first.bytes.moveReaderIndex(forwardBy: Int(dataAcked - first.offset))
                first.offset = dataAcked
                unacked[unacked.startIndex] = first
            }
            if nextOffset < dataAcked {
                // The receiver already had bytes we queued for resending: skip them.
                var toSkip = Int(dataAcked - nextOffset)
                while toSkip > 0, var head = unsent.first {
                    let n = min(toSkip, head.readableBytes)
                    head.moveReaderIndex(forwardBy: n)
                    unsentBytes -= n
                    toSkip -= n
                    if head.readableBytes == 0 { unsent.removeFirst() } else { unsent[unsent.startIndex] = head }
                }
                nextOffset = dataAcked
            }
            ackedOffset = dataAcked
            progress(now: now)
        }
        if finSent && received > writtenEnd && !finAcked {
            finAcked = true
            progress(now: now)
        }
        transmit(now: now)
        updateWritability()
        if nothingOutstanding { retransmitAt = nil }
        finishIfDone()
    }

    // MARK: acknowledgements

    mutating func scheduleAck() {
        guard !ackPending else { return }
        ackPending = true
        emit(.ackDue)
    }

    /// Sends the acknowledgement that ``Action/ackDue`` announced (coalesced: one per turn).
    public mutating func flushAck() -> [Action] {
        guard ackPending else { return [] }
        ackPending = false
        guard phase != .closed else { return [] }
        let limit = consumedOffset + window
        lastAdvertisedLimit = limit
        let received = receivedOffset + (remoteFinReceived ? 1 : 0)
        emit(.send(.ack(received: received, windowLimit: limit, echo: echoTime)))
        return takeActions()
    }
}
