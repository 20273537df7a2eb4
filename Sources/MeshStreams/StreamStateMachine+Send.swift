import MeshProtocol
import NIOCore

extension StreamStateMachine {
    /// Our clock as sent in data frames: microseconds of the monotonic clock, never 0.
    static func clock(_ now: NIODeadline) -> UInt64 {
        max(1, now.uptimeNanoseconds / 1000)
    }

    var nothingOutstanding: Bool {
        unacked.isEmpty && (!finSent || finAcked) && phase != .opening
    }

    /// The timeout after progress: the configured one, or more on a path whose round trip is
    /// longer (a slow link queueing a whole window, a long-haul path). A fixed timeout made such
    /// streams resend every window that was only queued, not lost.
    var baseRTO: TimeAmount {
        let initial = configuration.initialRetransmitTimeout
        let floor = Duration.nanoseconds(initial.nanoseconds)
        let ceiling = Duration.nanoseconds(Self.maximumRTO.nanoseconds)
        return roundTrip.timeout(initial: floor, floor: floor, ceiling: ceiling).timeAmount
    }

    mutating func progress(now: NIODeadline) {
        lastProgress = now
        rto = baseRTO
        if !nothingOutstanding { armRetransmit(now: now) }
    }

    mutating func armRetransmit(now: NIODeadline) {
        retransmitAt = now + rto
    }

    mutating func updateWritability() {
        let now = isWritable
        if now != lastWritable {
            lastWritable = now
            emit(.writabilityChanged(now))
        }
    }

    /// Sends what the peer's window allows, then our end once everything is out.
    mutating func transmit(now: NIODeadline) {
        guard phase == .open else { return }
        let chunk = configuration.frameSize
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
            emit(.send(.data(offset: nextOffset, sentAt: Self.clock(now), bytes: slice)))
            unacked.append((nextOffset, slice))
            nextOffset += UInt64(slice.readableBytes)
            highestSent = max(highestSent, nextOffset)
            sentSomething = true
        }
        if finRequested && unsent.isEmpty && !finSent {
            finSent = true
            emit(.send(.fin(offset: writtenEnd)))
            sentSomething = true
        }
        if sentSomething || (!unsent.isEmpty && nextOffset >= peerWindowLimit) {
            // Outstanding data, or a closed window whose update might be lost: keep a timer running.
            if retransmitAt == nil { armRetransmit(now: now) }
        }
    }

    mutating func retransmitTimeout(now: NIODeadline) {
        if now - lastProgress > configuration.streamTimeout.timeAmount {
            let message = phase == .opening ? "timeout" : "stream timed out: no progress from \(peer)"
            emit(.send(.reset(reason: message)))
            terminate(error: message, notify: true)
            return
        }
        if phase == .opening {
            emit(.send(.open(window: window)))
        } else {
            goBack(now: now)
            if unacked.isEmpty && !unsent.isEmpty && nextOffset >= peerWindowLimit {
                // Window probe: an empty data frame makes the receiver repeat its acknowledgement.
                emit(.send(.data(offset: nextOffset, sentAt: Self.clock(now), bytes: ByteBuffer())))
            }
        }
        rto = min(rto * 2, Self.maximumRTO)
        if !nothingOutstanding || !unsent.isEmpty { armRetransmit(now: now) }
    }

    /// Resend everything unacknowledged from the last acknowledged offset.
    mutating func goBack(now: NIODeadline) {
        guard phase == .open else { return }
        if let first = unacked.first {
            for item in unacked.reversed() {
                unsent.prepend(item.bytes)
                unsentBytes += item.bytes.readableBytes
            }
            nextOffset = first.offset
            unacked.removeAll()
        }
        if finSent && !finAcked { finSent = false }
        transmit(now: now)
    }
}
