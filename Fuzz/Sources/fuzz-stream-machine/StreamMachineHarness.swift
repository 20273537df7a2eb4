import FuzzSupport
import MeshProtocol
import MeshStreams
import NIOCore

// Harness: the mesh stream state machine (Sources/MeshStreams/StreamStateMachine*.swift).

/// Seed programs: a header (window, frame size, opener flag, the peer's window), then ops.
private func seeds() -> [(name: String, bytes: [UInt8])] {
    func be<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    func frame(_ id: UInt32, _ type: UInt8, _ body: [UInt8], opener: Bool = true) -> [UInt8] {
        let bytes = be(id) + [type | (opener ? 0x80 : 0)] + body
        return [0, UInt8(bytes.count)] + bytes
    }
    return [
        ("open-data-fin", [3, 1, 0] + be(UInt64(1 << 20))
            + frame(1, 3, be(UInt64(0)) + be(UInt64(1)) + Array("hello".utf8)) + frame(1, 5, be(UInt64(5))) + [4, 9]),
        ("opener-acked", [2, 2, 1] + be(UInt64(0))
            + frame(1, 2, be(UInt64(1 << 16)), opener: false) + [3, 0x10, 0x00]
            + frame(1, 4, be(UInt64(4096)) + be(UInt64(1 << 16)) + be(UInt64(1)), opener: false) + [7, 0x01, 0xF4]),
        ("pause-close", [1, 1, 0] + be(UInt64(4096)) + [6]
            + frame(1, 3, be(UInt64(0)) + be(UInt64(1)) + Array("abc".utf8)) + [5, 0, 6, 8, 1]),
    ]
}

/// libFuzzer's one-time setup: writes the seed corpus instead when `FUZZ_WRITE_SEEDS` is set.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    Seeds.writeSeedsIfRequested(seeds)
    return 0
}

/// Drives one StreamStateMachine with an arbitrary program: frames from a hostile peer (any
/// decodable stream frame, with any numbers), the user's writes, pauses and closes, route changes
/// and timers, in any order. It must never trap, and after every step the data contract must hold:
/// nothing is handed out while paused, input-closed comes once and after the last byte, nothing
/// follows the close, a closed machine has no deadline.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStreamMachine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    var configuration = StreamConfiguration()
    configuration.window = UInt64(input.byte() % 8 + 1) << 12
    configuration.frameSize = Int(input.byte() % 4 + 1) << 10
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    var machine = StreamStateMachine(
        peer: "peer",
        isOpener: input.byte() & 1 == 1,
        peerWindow: input.uint64(),
        configuration: configuration,
        now: now
    )
    var reading = true
    var inputClosed = false
    var closed = false

    func check(_ actions: [StreamStateMachine.Action]) {
        for action in actions {
            if closed { invariantFailure("stream-machine", "an action after the close: \(action)") }
            if case .closed = action { closed = true }
        }
        if closed && machine.nextDeadline != nil { invariantFailure("stream-machine", "a closed machine keeps a deadline") }
    }

    func drain() {
        while let event = machine.takeInbound() {
            if !reading { invariantFailure("stream-machine", "handed \(event) while paused") }
            if closed { invariantFailure("stream-machine", "handed \(event) after the close") }
            switch event {
            case .data:
                if inputClosed { invariantFailure("stream-machine", "data after input-closed") }
            case .inputClosed:
                if inputClosed { invariantFailure("stream-machine", "input-closed twice") }
                inputClosed = true
            case .closed:
                invariantFailure("stream-machine", "the queue's close on a mesh stream")
            }
        }
        check(machine.deliveryPaused())
    }

    if machine.isOpener { check(machine.startOpening(now: now)) }
    while !input.isAtEnd {
        switch input.byte() % 10 {
        case 0, 1, 2:
            let length = Int(input.byte())
            var bytes = ByteBuffer(bytes: input.take(length))
            if let frame = try? StreamFrame.decode(from: &bytes) {  // undecodable: dropped, as the manager does
                check(machine.receive(frame.body, now: now))
            }
        case 3:
            let count = Int(input.uint16() % 20_000)
            _ = machine.isWritable
            check(machine.write(ByteBuffer(repeating: 0x61, count: count), now: now))
        case 4:
            check(machine.closeWrite(now: now))
        case 5:
            check(machine.close(error: input.byte() & 1 == 1 ? "user error" : nil, now: now))
        case 6:
            reading.toggle()
            check(machine.setReading(reading))
        case 7:
            now = now + .milliseconds(Int64(input.uint16()))
            check(machine.timerFired(now: now))
        case 8:
            let flags = input.byte()
            check(machine.routeChanged(hasRoute: flags & 1 == 1, pathChanged: flags & 2 == 2, now: now))
        default:
            check(machine.flushAck())
        }
        drain()
    }
    return 0
}
