import MeshTestSupport
import NIOCore
import Testing

@testable import MeshStreams

/// The receive-side data contract as a pure value, checked on random event sequences.
@Suite("Inbound queue")
struct InboundQueueTests {
    private struct Reader {
        var received: [UInt8] = []
        var inputClosed = false
        var closed = false
        var violations: [String] = []

        mutating func drain(_ queue: inout InboundQueue, reading: Bool) {
            while let event = queue.next(reading: reading) {
                switch event {
                case .data(let b):
                    if !reading { violations.append("data while paused") }
                    if inputClosed || closed { violations.append("data after the end") }
                    received += b.readableBytesView
                case .inputClosed:
                    if !reading { violations.append("input-closed while paused") }
                    if inputClosed || closed { violations.append("input-closed twice or after the close") }
                    inputClosed = true
                case .closed:
                    if closed { violations.append("closed twice") }
                    if queue.heldBytes != 0 { violations.append("closed with bytes held") }
                    closed = true
                }
            }
        }
    }

    @Test("a close while paused waits for the held bytes")
    func closeWhilePaused() {
        var q = InboundQueue()
        q.append(ByteBuffer(string: "ab"))
        q.receiveTransportGone()
        #expect(q.next(reading: false) == nil)
        guard case .data(let b) = q.next(reading: true) else {
            Issue.record("expected data")
            return
        }
        #expect(String(buffer: b) == "ab")
        guard case .inputClosed = q.next(reading: true), case .closed = q.next(reading: true) else {
            Issue.record("expected input-closed, then closed")
            return
        }
        #expect(q.next(reading: true) == nil)
    }

    @Test("random sequences: every byte once, in order, never while paused; the end and close last", arguments: 0..<300)
    func random(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &+ 11)
        var q = InboundQueue()
        var reader = Reader()
        var reading = true
        var sent: [UInt8] = []
        var ended = false
        var gone = false
        var discarded = false
        for _ in 0..<Int(rng.next() % 50 + 1) {
            switch rng.next() % 8 {
            case 0, 1, 2:
                let bytes = (0..<Int(rng.next() % 4)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if !ended && !gone && !discarded { sent += bytes }
                q.append(ByteBuffer(bytes: bytes))
            case 3: reading = false
            case 4: reading = true
            case 5:
                ended = true
                q.receiveEnd()
            case 6:
                gone = true
                q.receiveTransportGone()
            default:
                if rng.next() % 8 == 0 {
                    discarded = true
                    q.discard()
                }
            }
            reader.drain(&q, reading: reading)
        }
        reader.drain(&q, reading: true)
        #expect(reader.violations == [])
        if discarded {
            #expect(sent.starts(with: reader.received))
        } else {
            #expect(reader.received == sent)
            #expect((reader.inputClosed || reader.closed) == (ended || gone), "closed implies input-closed")
            #expect(reader.closed == gone)
        }
    }
}

extension InboundQueue.Event: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.data(let x), .data(let y)): x == y
        case (.inputClosed, .inputClosed), (.closed, .closed): true
        default: false
        }
    }
}
