import MeshProtocol
import MeshStreams
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

/// One end of a mesh stream on the event loop: the pure ``StreamStateMachine`` (which holds every
/// rule: reliability, flow control, half-close, the data contract) plus what it cannot do itself,
/// sending frames, one timer at its next deadline, coalesced acknowledgements, and the calls into
/// its ``MeshStreamDelegate`` (the ``MeshStreamChannel`` its users see).
///
/// Actions are performed in the order the machine produced them, even when a delegate callback
/// re-enters (writes, pauses or closes from inside a callback): those queue behind, so frames
/// leave in the order they were made.
final class MeshStream {
    typealias Phase = StreamStateMachine.Phase

    let key: StreamKey
    let localService: String
    let remoteService: String
    private unowned let manager: StreamManager
    private var machine: StreamStateMachine
    private var timer: LoopTimer
    /// Where the timer is armed; it may fire early (the machine's deadline moved later), then it
    /// is re-armed, so a busy stream does not re-schedule a timer per frame.
    private var armedDeadline: NIODeadline?
    private var openedPromise: EventLoopPromise<MeshStream>?
    private var currentNextHop: String?
    private var ackFlushScheduled = false
    private var queue: [StreamStateMachine.Action] = []
    private var performing = false
    private var delivering = false

    /// Held strongly until the stream closes (the channel also holds the stream): a channel
    /// nobody else references stays alive while its stream runs, and the cycle ends at the close.
    var delegate: (any MeshStreamDelegate)? {
        didSet { deliver() }
    }

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
        let hop = manager.nextHop(to: key.remoteNode)
        self.currentNextHop = hop
        self.machine = StreamStateMachine(
            peer: key.remoteNode,
            isOpener: phase == .opening,
            peerWindow: peerWindow,
            configuration: manager.configuration,
            hasRoute: hop != nil,
            now: manager.loop.now
        )
        self.timer = LoopTimer(loop: manager.loop)
    }

    var phase: Phase { machine.phase }
    private var now: NIODeadline { manager.loop.now }

    /// Opener: sends the open request until it is answered or times out.
    func startOpening(promise: EventLoopPromise<MeshStream>) {
        openedPromise = promise
        perform(machine.startOpening(now: now))
    }

    // MARK: the user's side

    var isWritable: Bool { machine.isWritable }

    func write(_ buffer: ByteBuffer) { perform(machine.write(buffer, now: now)) }

    func closeWrite() { perform(machine.closeWrite(now: now)) }

    func close(error: String?) { perform(machine.close(error: error, now: now)) }

    /// Aborts the stream from below (the peer restarted): resets it and tells the user why.
    func abort(_ reason: String) { perform(machine.abort(reason)) }

    func setReading(_ reading: Bool) { perform(machine.setReading(reading)) }

    // MARK: from the mesh

    func handle(_ body: StreamFrame.Body) { perform(machine.receive(body, now: now)) }

    /// The peer (or a hop) reported the stream's packets undeliverable.
    func unreachable(_ problem: String) { perform(machine.unreachable(problem)) }

    /// Called when routes change: resend at once if the path moved; start the no-route grace if none.
    func routesChanged() {
        guard phase != .closed else { return }
        let hop = manager.nextHop(to: key.remoteNode)
        let changed = hop != currentNextHop
        currentNextHop = hop
        perform(machine.routeChanged(hasRoute: hop != nil, pathChanged: changed, now: now))
    }

    // MARK: performing actions

    private func perform(_ actions: [StreamStateMachine.Action]) {
        queue.append(contentsOf: actions)
        guard !performing else { return }
        performing = true
        var index = 0
        while index < queue.count {
            let action = queue[index]
            index += 1
            run(action)
        }
        queue.removeAll(keepingCapacity: true)
        performing = false
        armTimer()
    }

    private func run(_ action: StreamStateMachine.Action) {
        switch action {
        case .send(let body):
            manager.send(StreamFrame(streamID: key.streamID, fromOpener: key.weAreOpener, body: body), for: self)
        case .opened:
            openedPromise?.assumeIsolated().succeed(self)
            openedPromise = nil
        case .writabilityChanged(let writable):
            delegate?.streamWritabilityChanged(writable)
        case .ackDue:
            scheduleAckFlush()
        case .inboundReady:
            deliver()
        case .protocolViolation(let detail):
            manager.noteProtocolError(kind: "stream_violation", peer: key.remoteNode, detail: detail)
        case .closed(let error, let notifyUser):
            timer.cancel()
            armedDeadline = nil
            if let promise = openedPromise {
                openedPromise = nil
                promise.fail(MeshStreamError(message: error ?? "stream closed"))
            }
            manager.remove(self)
            let user = delegate
            delegate = nil
            if notifyUser { user?.streamClosed(error: error) }
        }
    }

    /// Hands the user what the machine releases while it reads, in turns: after each turn the
    /// delegate hears ``MeshStreamDelegate/streamReadBatchEnded()`` and may stop or resume reading
    /// (a channel stops after every turn and resumes on the next `read()`).
    private func deliver() {
        guard let d = delegate, !delivering else { return }
        delivering = true
        while true {
            var deliveredAny = false
            while let event = machine.takeInbound() {
                deliveredAny = true
                switch event {
                case .data(let buffer): d.streamReceived(buffer)
                case .inputClosed: d.streamInputClosed()
                case .closed: break  // a mesh stream's close comes as an action, never from the queue
                }
            }
            guard deliveredAny, delegate === d else { break }
            d.streamReadBatchEnded()
        }
        delivering = false
        perform(machine.deliveryPaused())
    }

    private func scheduleAckFlush() {
        guard !ackFlushScheduled else { return }
        ackFlushScheduled = true
        manager.loop.assumeIsolated().execute { [weak self] in
            guard let self else { return }
            self.ackFlushScheduled = false
            self.perform(self.machine.flushAck())
        }
    }

    private func armTimer() {
        guard let deadline = machine.nextDeadline else {
            if armedDeadline != nil {
                timer.cancel()
                armedDeadline = nil
            }
            return
        }
        if let armed = armedDeadline, armed <= deadline, timer.isArmed { return }
        armedDeadline = deadline
        let delay = deadline > now ? deadline - now : .zero
        timer.schedule(in: delay) { [weak self] in
            guard let self else { return }
            self.armedDeadline = nil
            self.perform(self.machine.timerFired(now: self.now))
        }
    }
}

/// Why a stream could not be opened or was aborted; a ``MeshStreamChannel`` fires it into its
/// pipeline when its stream is reset.
public struct MeshStreamError: Error, CustomStringConvertible, Sendable {
    /// The reason, as the mesh gave it ("no route to node X", a peer's reset reason, "timeout").
    public var message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}
