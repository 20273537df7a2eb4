import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One UDP link: a ``ReliableDatagramConnection`` joined to an ordinary link channel.
///
/// The link side is a plain NIO socket channel (one end of a Unix socket pair) that runs the very
/// pipeline TCP links run (frame decoder + ``LinkHandler``), so the hello, identity and cost
/// checks, heartbeats, failure detection, queues and backpressure are the same code for every
/// backend. This class moves bytes between the other end of the pair and the datagram socket:
/// bytes the link writes become data packets; data packets received are delivered in order to the
/// link. When the unsent and unacknowledged bytes pass ``sendBufferLimit`` it stops reading the
/// pair, so the link channel stops being writable just as a full TCP socket would.
final class UDPLinkSession {
    let connection: UInt32
    let remote: SocketAddress
    private var machine: ReliableDatagramConnection
    private let loop: any EventLoop
    private let allocator = ByteBufferAllocator()
    private let transmit: (ByteBuffer) -> Void
    private let flushTransmit: () -> Void
    private var adapter: (any Channel)?
    /// The link's handler, told of every datagram from the peer (see ``LinkHandler/transportHeardFromPeer()``).
    private weak var link: LinkHandler?
    private var undelivered: [ByteBuffer] = []
    private var readPaused = false
    private let timer: LoopTimer
    private var timerDeadline: Duration?
    private(set) var isClosed = false
    private let logger: Logger
    /// Called once when the session ends (either side).
    var onClose: (() -> Void)?

    /// A session whose oldest outstanding data has gone unacknowledged this long is closed (the
    /// peer still answers, or the link's failure detector would have closed it, but nothing gets
    /// through).
    static let stallLimit: Duration = .seconds(10)

    /// Bytes accepted from the link and not yet acknowledged before reading from it pauses.
    static let sendBufferLimit = 1 << 20

    /// - Parameters:
    ///   - transmit: writes one datagram to the peer (without flushing).
    ///   - flushTransmit: flushes the datagrams written.
    init(
        connection: UInt32,
        remote: SocketAddress,
        loop: any EventLoop,
        logger: Logger,
        configuration: ReliableDatagramConnection.Configuration = .init(),
        transmit: @escaping (ByteBuffer) -> Void,
        flushTransmit: @escaping () -> Void
    ) {
        self.connection = connection
        self.remote = remote
        self.loop = loop
        self.logger = logger
        self.machine = ReliableDatagramConnection(connection: connection, configuration: configuration)
        self.transmit = transmit
        self.flushTransmit = flushTransmit
        self.timer = LoopTimer(loop: loop)
    }

    /// Creates the socket pair and starts the link pipeline on one end.
    func start(
        role: LinkHandler.Role,
        handshake: LinkHandshake,
        core: MeshCore,
        description: String,
        onEstablished: (() -> Void)? = nil
    ) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
            close(reason: "socketpair failed: errno \(errno)")
            return
        }
        let coreBound = NIOLoopBound(core, eventLoop: loop)
        let established = NIOLoopBound(onEstablished, eventLoop: loop)
        let bound = NIOLoopBound(self, eventLoop: loop)
        ClientBootstrap(group: loop)
            .channelOption(.writeBufferWaterMark, value: .init(low: 128 << 10, high: 512 << 10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try LinkPipeline.configure(
                        channel: channel,
                        role: role,
                        tls: nil,
                        serverHostname: nil,
                        handshake: handshake,
                        core: coreBound.value,
                        backendDescription: description,
                        onEstablished: established.value
                    )
                }
            }
            .withConnectedSocket(fds[0])
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    do {
                        bound.value.link = try channel.pipeline.syncOperations.handler(type: LinkHandler.self)
                    } catch {
                        // A session with no link handler would carry nothing: close it, saying why.
                        channel.close(promise: nil)
                        bound.value.close(reason: "link channel has no link handler: \(error)")
                    }
                case .failure(let error):
                    bound.value.close(reason: "link channel failed: \(error)")
                }
            }
        ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UDPSessionAdapter(session: bound.value))
                }
            }
            .withConnectedSocket(fds[1])
            .assumeIsolated()
            .whenComplete { result in
                let me = bound.value
                switch result {
                case .success(let channel):
                    guard !me.isClosed else {
                        channel.close(promise: nil)
                        return
                    }
                    me.adapter = channel
                    me.deliver(me.undelivered)
                    me.undelivered.removeAll()
                case .failure(let error):
                    me.close(reason: "adapter channel failed: \(error)")
                }
            }
    }

    // MARK: from the datagram socket

    /// A packet of this connection arrived. The caller calls ``pump()`` after its read batch.
    func receive(_ packet: UDPLinkPacket) {
        guard !isClosed else { return }
        let now = loop.monotonicNow
        let result = machine.receive(packet, now: now)
        // Any datagram of this connection shows the peer alive, even when loss holds its bytes
        // back: otherwise a heartbeat stuck behind a lost datagram could kill a healthy link.
        link?.transportHeardFromPeer()
        if result.reset {
            close(reason: "peer reset the connection", notifyPeer: false)
            return
        }
        if !result.delivered.isEmpty {
            if adapter == nil {
                undelivered += result.delivered
            } else {
                deliver(result.delivered)
            }
        }
    }

    private func deliver(_ buffers: [ByteBuffer]) {
        guard let adapter, !buffers.isEmpty else { return }
        for b in buffers { adapter.write(b, promise: nil) }
        adapter.flush()
    }

    // MARK: from the link

    /// Bytes the link wrote.
    func linkWrote(_ bytes: ByteBuffer) {
        guard !isClosed else { return }
        machine.write(bytes)
    }

    /// Whether the adapter may read more of what the link writes.
    var acceptsMoreFromLink: Bool { machine.bufferedBytes < Self.sendBufferLimit }

    /// The adapter held back a read because the send buffer is full.
    func pauseReading() { readPaused = true }

    // MARK: sending

    /// Sends whatever is due (acks, retransmissions, new data) and re-arms the timer.
    func pump() {
        guard !isClosed else { return }
        let packets = machine.outgoing(now: loop.monotonicNow, allocator: allocator)
        for p in packets { transmit(p.encoded(allocator: allocator)) }
        if !packets.isEmpty { flushTransmit() }
        if readPaused, acceptsMoreFromLink {
            readPaused = false
            adapter?.read()
        }
        armTimer()
    }

    private func armTimer() {
        guard let deadline = machine.deadline else { return }
        if let armed = timerDeadline, armed <= deadline, timer.isArmed { return }
        timerDeadline = deadline
        let delay = max(deadline - loop.monotonicNow, .zero)
        timer.schedule(in: delay.timeAmount) { [weak self] in
            guard let self else { return }
            self.timerDeadline = nil
            let now = self.loop.monotonicNow
            self.machine.timeout(now: now)
            if self.machine.isStalled(now: now, limit: Self.stallLimit) {
                self.logger.warning(
                    "giving up a UDP link session",
                    metadata: ["reason": "no data acknowledged for \(Self.stallLimit)", "state": "\(self.machine.senderSummary)"]
                )
                self.close(reason: "no data acknowledged for \(Self.stallLimit)")
                return
            }
            self.pump()
        }
    }

    /// Retransmissions so far.
    var retransmissions: Int { machine.retransmissions }

    // MARK: closing

    /// Ends the session: tells the peer (unless it told us), closes the link side.
    func close(reason: String, notifyPeer: Bool = true) {
        guard !isClosed else { return }
        isClosed = true
        if notifyPeer {
            transmit(UDPLinkPacket.reset(connection: connection).encoded(allocator: allocator))
            flushTransmit()
        }
        timer.cancel()
        adapter?.close(promise: nil)
        adapter = nil
        logger.debug("UDP session closed", metadata: ["remote": "\(remote)", "reason": "\(reason)"])
        let callback = onClose
        onClose = nil
        callback?()
    }
}
