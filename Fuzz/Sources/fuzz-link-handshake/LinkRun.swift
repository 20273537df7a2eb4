import FuzzSupport
import MeshNode
import MeshProtocol
import NIOCore
import ProtocolSamples

/// The ops of a program: the op byte modulo their count picks one.
enum Op: UInt8, CaseIterable {
    /// `n`, then `n` bytes the sender's link writes (raw link-stream bytes).
    case write
    /// `i`: the sender's link writes frame `i` of ``sampleFrames``, encoded.
    case writeFrame
    /// The sender's `outgoing(now:)` into the network.
    case senderSends
    /// The receiver's `outgoing(now:)` (its acks) into the network.
    case receiverSends
    /// `b`: one datagram in flight: bit 0 the direction (to the receiver, to the sender), bits
    /// 1-2 what happens (delivered, delivered and kept as a duplicate, dropped, moved to the back),
    /// bits 3-7 which one.
    case deliver
    /// Everything in flight is delivered, both ways, in order.
    case deliverAll
    /// `b`: the clock moves on (0-99 ms, then 20 ms steps, then seconds); due timers and the
    /// failure detector's tick run.
    case advance
    /// The sender's retransmission timer fires at its deadline.
    case senderTimer
    /// `n`, then `n` bytes: a hostile datagram. Data goes to the tagged receiver; acks and
    /// resets to the sender (odd connection ID) or the receiver (even).
    case hostile
    /// The tagged receiver's acks are taken and checked.
    case probeFlushes
    /// `n`, then `n` bytes: a link frame body decoded directly; a hello is evaluated.
    case frameBody
    /// `b`, then the failure detector ticks now: on its own timer (`b` even) or, `b` odd, early
    /// because another link woke the node.
    case tick
}

/// Frames a program's link can write by index: ``sampleHellos``, then the protocol samples.
let sampleFrames: [LinkFrame] = sampleHellos.map { .hello($0) } + Samples.linkFrames

/// ``sampleFrames`` encoded (length prefix included), once.
let sampleFrameBytes: [[UInt8]] = sampleFrames.map { frame in
    var b = ByteBuffer()
    frame.encode(into: &b)
    return Array(b.readableBytesView)
}

/// A datagram in flight, and the packet it was encoded from.
struct InFlight {
    var datagram: ByteBuffer
    var sent: UDPLinkPacket
}

/// One program's world: a sender and a receiver joined by a network the program controls, a
/// third receiver for hostile data, the receiver's link-frame decoder, the hello checks and the
/// failure detector.
struct LinkRun {
    let setup: LinkSetup
    var now: Duration = .seconds(100)
    var sender: ReliableDatagramConnection
    var receiver: ReliableDatagramConnection
    var probe: TaggedReceiver
    /// Datagrams in flight, to the receiver and to the sender.
    var toReceiver: [InFlight] = []
    var toSender: [InFlight] = []
    /// Everything the sender's link wrote.
    var written: [UInt8] = []
    /// Stream offset and length of each sequence the sender has sent (index = sequence).
    var segments: [(start: Int, length: Int)] = []
    /// Stream offset just past the newest sequence sent.
    var sentEnd = 0
    /// Segments the receiver has delivered.
    var deliveredSegments = 0
    /// Bytes the receiver has delivered (a prefix of `written`).
    var deliveredBytes = 0
    /// A hostile ack reached the sender: it may have let go of bytes the receiver never got, so
    /// the checks that need an honest network stop.
    var forgedAck = false
    let frames = NIOSingleStepByteToMessageProcessor(LinkFrameDecoder())
    /// The frame decoder refused the stream (the link would close): no more frames.
    var framesBroken = false
    var detector: DetectorCheck
    let allocator = ByteBufferAllocator()
    /// Datagrams in flight each way at most (a full socket buffer drops the rest).
    static let networkLimit = 1024

    init(_ setup: LinkSetup) {
        self.setup = setup
        sender = ReliableDatagramConnection(connection: 1, configuration: setup.reliable)
        receiver = ReliableDatagramConnection(connection: 1, configuration: setup.reliable)
        probe = TaggedReceiver(configuration: setup.reliable)
        detector = DetectorCheck(setup, now: now)
    }

    /// Decodes one op and its operands and runs it; then checks the sender's state.
    mutating func step(_ input: inout FuzzInput) {
        let op = Op.allCases[Int(input.byte()) % Op.allCases.count]
        switch op {
        case .write:
            write(input.take(Int(input.byte())))
        case .writeFrame:
            write(sampleFrameBytes[Int(input.byte()) % sampleFrameBytes.count])
        case .senderSends:
            senderSends()
        case .receiverSends:
            receiverSends()
        case .deliver:
            deliver(input.byte())
        case .deliverAll:
            deliverAll()
        case .advance:
            advance(input.byte())
        case .senderTimer:
            if let due = sender.deadline {
                now = max(now, due)
                fireTimer()
            }
        case .hostile:
            hostile(input.take(Int(input.byte())))
        case .probeFlushes:
            probe.flush(now: now)
        case .frameBody:
            var body = ByteBuffer(bytes: input.take(Int(input.byte())))
            if case .hello(let hello)? = try? LinkFrame.decodeBody(&body) { checkHello(hello, setup) }
        case .tick:
            // Even: the link's own timer; odd: another link's wakeup (timer slack).
            if input.byte() & 1 == 0 {
                detector.tick(now: now)
            } else {
                detector.tickEarly(now: now)
            }
        }
        checkSender()
    }

    /// The sender's link writes `bytes` (ignored past the setup's write limit).
    mutating func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, written.count + bytes.count <= setup.writeLimit else { return }
        written += bytes
        sender.write(ByteBuffer(bytes: bytes))
        detector.sent(now: now)
    }

    /// The clock moves on by an amount taken from `b`; due timers fire, the detector ticks.
    mutating func advance(_ b: UInt8) {
        switch b {
        case 0..<100: now += .milliseconds(Int64(b))
        case 100..<200: now += .milliseconds(Int64(b - 100) * 20)
        default: now += .seconds(Int64(b - 200))
        }
        if let due = sender.deadline, due <= now { fireTimer() }
        receiver.timeout(now: now)
        detector.tick(now: now)
    }

    /// The sender's retransmission timer runs at `now` (at or after its deadline): afterwards
    /// no deadline is armed until `outgoing` sends again.
    mutating func fireTimer() {
        sender.timeout(now: now)
        guard sender.deadline == nil else {
            invariantFailure(harnessName, "deadline \(String(describing: sender.deadline)) still armed after the timer at \(now)")
        }
    }

    /// A hostile datagram: it must decode canonically (re-encoding gives the same bytes), and
    /// whatever it is, nothing traps.
    mutating func hostile(_ bytes: [UInt8]) {
        let datagram = ByteBuffer(bytes: bytes)
        guard let packet = try? UDPLinkPacket.decode(datagram) else { return }
        guard packet.encoded(allocator: allocator) == datagram else {
            invariantFailure(harnessName, "\(packet) re-encodes differently from \(bytes)")
        }
        switch packet {
        case .data(_, let sequence, let payload):
            probe.receive(sequence: sequence, payload: payload, now: now)
        case .ack, .reset:
            let toSender = packet.connection & 1 == 1
            if toSender, case .ack = packet { forgedAck = true }
            let result = toSender ? sender.receive(packet, now: now) : receiver.receive(packet, now: now)
            let isReset = packet == .reset(connection: packet.connection)
            guard result.delivered.isEmpty, result.reset == isReset else {
                invariantFailure(harnessName, "\(packet) delivered \(result.delivered.count) buffers, reset \(result.reset)")
            }
        }
    }
}
