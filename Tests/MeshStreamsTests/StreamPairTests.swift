import DequeModule
import MeshProtocol
import MeshTestSupport
import NIOCore
import Testing

@testable import MeshStreams

/// Two pure state machines back to back over a simulated wire with a virtual clock: no event
/// loop, no sockets, no sleeping.
struct StreamPair {
    var ends: [StreamStateMachine]
    var received: [[UInt8]] = [[], []]
    var inputClosed = [false, false]
    var closed: [String??] = [nil, nil]
    var paused = [false, false]
    var violations: [String] = []
    var wire = Deque<(to: Int, body: StreamFrame.Body, due: NIODeadline)>()
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    var rng: SplitMix64
    var lossPercent: UInt64 = 0
    var duplicatePercent: UInt64 = 0
    var latency: TimeAmount = .milliseconds(5)
    var opened = false

    init(configuration: StreamConfiguration = StreamConfiguration(), seed: UInt64 = 1) {
        rng = SplitMix64(seed: seed)
        ends = [
            StreamStateMachine(peer: "B", isOpener: true, peerWindow: 0, configuration: configuration, now: now),
            StreamStateMachine(peer: "A", isOpener: false, peerWindow: 0, configuration: configuration, now: now),
        ]
        // The acceptor is made when the open arrives; until then frames to it are answered by it.
        var opener = ends[0]
        let actions = opener.startOpening(now: now)
        ends[0] = opener
        perform(actions, at: 0)
    }

    mutating func perform(_ actions: [StreamStateMachine.Action], at i: Int) {
        var pending = Deque(actions)
        while let action = pending.popFirst() {
            switch action {
            case .send(let body):
                if case .open(let w) = body, i == 0, !opened {
                    // First open: the acceptor's machine starts with the opener's window.
                    opened = true
                    ends[1] = StreamStateMachine(peer: "A", isOpener: false, peerWindow: w, configuration: ends[1].configuration, now: now)
                }
                if rng.next() % 100 < lossPercent { continue }
                wire.append((1 - i, body, now + latency))
                if rng.next() % 100 < duplicatePercent { wire.append((1 - i, body, now + latency)) }
            case .ackDue:
                pending.append(contentsOf: ends[i].flushAck())
            case .inboundReady:
                pending.append(contentsOf: drain(i))
            case .closed(let error, _):
                closed[i] = .some(error)
            case .protocolViolation(let detail):
                violations.append("protocol violation: \(detail)")
            case .opened, .writabilityChanged:
                break
            }
        }
    }

    mutating func drain(_ i: Int) -> [StreamStateMachine.Action] {
        while let event = ends[i].takeInbound() {
            switch event {
            case .data(let b):
                if paused[i] { violations.append("data handed to a paused reader") }
                if inputClosed[i] { violations.append("data after the end") }
                received[i] += b.readableBytesView
            case .inputClosed:
                if inputClosed[i] { violations.append("end twice") }
                inputClosed[i] = true
            case .closed:
                violations.append("queue close on a mesh stream")
            }
        }
        return ends[i].deliveryPaused()
    }

    mutating func act(_ i: Int, _ body: (inout StreamStateMachine, NIODeadline) -> [StreamStateMachine.Action]) {
        let actions = body(&ends[i], now)
        perform(actions, at: i)
    }

    /// Delivers what is due and runs due timers, advancing virtual time by `step`.
    mutating func step(_ step: TimeAmount = .milliseconds(5)) {
        now = now + step
        var keep = Deque<(to: Int, body: StreamFrame.Body, due: NIODeadline)>()
        while let item = wire.popFirst() {
            if item.due <= now {
                act(item.to) { m, now in m.receive(item.body, now: now) }
            } else {
                keep.append(item)
            }
        }
        wire = keep
        for i in 0..<2 {
            if let d = ends[i].nextDeadline, d <= now { act(i) { m, now in m.timerFired(now: now) } }
        }
    }
}

@Suite("Stream state machine, two ends back to back")
struct StreamPairTests {
    static func pattern(_ n: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    @Test("a transfer each way, then both ends: byte-exact, and both ends finish")
    func transfer() {
        var pair = StreamPair()
        let a = Self.pattern(1_000_000, seed: 1)
        let b = Self.pattern(200_000, seed: 2)
        var written = [0, 0]
        for _ in 0..<5000 {
            for (i, data) in [a, b].enumerated() where written[i] < data.count && pair.ends[i].isWritable {
                let n = min(50_000, data.count - written[i])
                let chunk = ByteBuffer(bytes: data[written[i]..<(written[i] + n)])
                pair.act(i) { m, now in m.write(chunk, now: now) }
                written[i] += n
                if written[i] == data.count { pair.act(i) { m, now in m.closeWrite(now: now) } }
            }
            pair.step()
            if pair.closed[0] != nil && pair.closed[1] != nil { break }
        }
        #expect(pair.received[1] == a)
        #expect(pair.received[0] == b)
        #expect(pair.inputClosed == [true, true])
        #expect(pair.closed[0] == .some(nil), "\(String(describing: pair.closed[0])) \(pair.ends[0].phase)")
        #expect(pair.closed[1] == .some(nil), "\(String(describing: pair.closed[1]))")
        #expect(pair.violations == [])
    }

    /// Random writes, pauses, resumes and ends on both sides over a lossy, duplicating wire:
    /// each end gets exactly the other's bytes, in order, never while paused, then its end; or an
    /// explicit error with an exact prefix.
    @Test("random interleavings over a lossy wire", arguments: 0..<60)
    func random(seed: Int) {
        var config = StreamConfiguration()
        config.window = 32 << 10
        config.frameSize = 4 << 10
        var pair = StreamPair(configuration: config, seed: UInt64(seed) &+ 77)
        pair.lossPercent = UInt64(seed % 4) * 3
        pair.duplicatePercent = UInt64(seed % 3) * 2
        var rng = SplitMix64(seed: UInt64(seed))
        let data = [Self.pattern(Int(rng.next() % 150_000), seed: 5), Self.pattern(Int(rng.next() % 150_000), seed: 6)]
        var written = [0, 0]
        var ended = [false, false]
        for _ in 0..<20_000 {
            for i in 0..<2 {
                switch rng.next() % 12 {
                case 0:
                    pair.paused[i].toggle()
                    let reading = !pair.paused[i]
                    pair.act(i) { m, _ in m.setReading(reading) }
                case 1...6 where written[i] < data[i].count && pair.ends[i].isWritable:
                    let n = min(data[i].count - written[i], Int(rng.next() % 9000 + 1))
                    let chunk = ByteBuffer(bytes: data[i][written[i]..<(written[i] + n)])
                    pair.act(i) { m, now in m.write(chunk, now: now) }
                    written[i] += n
                case 7 where written[i] == data[i].count && !ended[i]:
                    ended[i] = true
                    pair.act(i) { m, now in m.closeWrite(now: now) }
                default:
                    break
                }
            }
            pair.step()
            if pair.closed[0] != nil && pair.closed[1] != nil { break }
        }
        for i in 0..<2 where pair.paused[i] {
            pair.paused[i] = false
            pair.act(i) { m, _ in m.setReading(true) }
        }
        for _ in 0..<20_000 where pair.closed[0] == nil || pair.closed[1] == nil { pair.step(.milliseconds(20)) }
        #expect(pair.violations == [])
        for i in 0..<2 {
            let expected = data[1 - i]
            if case .some(.some(let error)) = pair.closed[i] {
                #expect(expected.starts(with: pair.received[i]), "\(error)")
            } else {
                #expect(pair.received[i] == expected, "end \(i): \(pair.received[i].count) of \(expected.count)")
            }
        }
    }

    @Test("hostile frames at the acceptor: no trap, and the stream still carries data")
    func hostileFrames() {
        var m = StreamStateMachine(peer: "evil", isOpener: false, peerWindow: .max, configuration: StreamConfiguration(), now: .uptimeNanoseconds(1))
        #expect(m.isWritable)
        let t = NIODeadline.uptimeNanoseconds(2)
        _ = m.write(ByteBuffer(repeating: 1, count: 1000), now: t)
        let bodies: [StreamFrame.Body] = [
            .ack(received: .max, windowLimit: .max, echo: .max),
            .ack(received: 0, windowLimit: 0, echo: 0),
            .data(offset: .max, sentAt: .max, bytes: ByteBuffer(repeating: 2, count: 10)),
            .data(offset: .max - 5, sentAt: 0, bytes: ByteBuffer(repeating: 2, count: 10)),
            .openAck(window: .max),
            .open(window: .max),
            .data(offset: 0, sentAt: 0, bytes: ByteBuffer(repeating: 3, count: 4)),
        ]
        for body in bodies { _ = m.receive(body, now: t) }
        #expect(m.phase == .open)
        guard case .data(let b) = m.takeInbound() else {
            Issue.record("the honest data after the hostile frames did not arrive")
            return
        }
        #expect(b.readableBytes == 4)
        let actions = m.receive(.fin(offset: 1), now: t)
        #expect(actions.contains { if case .protocolViolation = $0 { true } else { false } })
        #expect(m.phase == .closed)
    }
}


@Suite("Stream state machine, the last acknowledgement")
struct LastAckTests {
    /// Found by the pair tests (and present before the machine was pulled out of MeshStream):
    /// an end that finished dropped its pending acknowledgement of the peer's end, so the peer
    /// resent its end to a stream that no longer existed and was reset ("unknown stream").
    @Test("the end that finishes first still acknowledges the other's end")
    func finalAck() {
        var pair = StreamPair()
        pair.act(0) { m, now in m.write(ByteBuffer(repeating: 7, count: 1000), now: now) }
        pair.act(1) { m, now in m.closeWrite(now: now) }
        for _ in 0..<20 { pair.step() }
        pair.act(0) { m, now in m.closeWrite(now: now) }
        for _ in 0..<200 { pair.step() }
        #expect(pair.closed[0] == .some(nil))
        #expect(pair.closed[1] == .some(nil))
        #expect(pair.received[1].count == 1000)
    }
}

extension LastAckTests {
    /// Found by the stream channel tests: an end that had closed its side completely (not just
    /// half) finished the moment the peer's end arrived, before it had scheduled the ack of that
    /// end, so the peer kept resending its end and was reset. Both ends now finish cleanly.
    @Test("an end closed completely acknowledges the peer's end it finishes on")
    func closedEndAcknowledgesPeersEnd() {
        var pair = StreamPair()
        pair.act(0) { m, now in m.write(ByteBuffer(repeating: 1, count: 500), now: now) }
        pair.act(0) { m, now in m.close(error: nil, now: now) }
        for _ in 0..<20 { pair.step() }
        #expect(pair.received[1].count == 500)
        #expect(pair.closed[0] == nil, "the closed end waits for the peer's end")
        pair.act(1) { m, now in m.closeWrite(now: now) }
        for _ in 0..<20 { pair.step() }
        #expect(pair.closed[0] == .some(nil))
        #expect(pair.closed[1] == .some(nil), "finished, not reset after resending its end")
    }
}
