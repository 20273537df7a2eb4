import DequeModule
import Logging
import MeshProtocol
import NIOCore

/// The protocol engine of one link: hello and identity checks, heartbeats and failure detection,
/// and the outbound queues (routing and heartbeats go straight to the socket; data waits in a
/// bounded queue that is only fed to the socket while it is writable, so control traffic is never
/// stuck behind bulk data).
///
/// Pipeline: `[NIOSSLHandler] -> ByteToMessageHandler(LinkFrameDecoder) -> LinkHandler`; on a
/// WebSocket link the frame codec and `WebSocketLinkAdapter` sit in front of the decoder.
final class LinkHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = LinkFrame
    typealias OutboundOut = ByteBuffer

    /// Which side opened the TCP (or other) connection.
    enum Role: Sendable {
        case dialer
        case listener
    }

    enum State {
        case awaitingHello
        case established(peer: String)
        case closed
    }

    let role: Role
    let handshake: LinkHandshake
    let backendDescription: String
    private let core: MeshCore
    /// Filled by the TLS verification callback with the node IDs in the peer's certificate; nil
    /// when the link has no TLS or skips the check.
    private let peerIdentity: PeerIdentity?
    private var logger: Logger

    private(set) var state: State = .awaitingHello
    private var context: ChannelHandlerContext?
    private var detector: FailureDetector?
    private let helloTimeout: TimeAmount = .seconds(10)
    private var timer: LoopTimer?
    private var flushPending = false

    private var dataQueue = Deque<(header: ByteBuffer, payload: ByteBuffer)>()
    private var dataQueueBytes = 0
    /// Bound on the data queue; frames past it are dropped (streams resend end to end).
    static let dataQueueLimit = 16 << 20
    private(set) var droppedDataFrames = 0

    /// Peer's instance, from its hello.
    private(set) var peerInstance: UInt64 = 0
    /// Most recent heartbeat round trip.
    private(set) var lastRTT: Duration?
    /// The agreed link cost once established.
    private(set) var cost: Double = 0
    /// Traffic counters (for metrics): frames and payload bytes each way.
    private(set) var framesIn: UInt64 = 0
    private(set) var framesOut: UInt64 = 0
    private(set) var bytesIn: UInt64 = 0
    private(set) var bytesOut: UInt64 = 0
    /// Called once when the hello exchange succeeds (dialers reset their backoff).
    var onEstablished: (() -> Void)?

    init(
        role: Role,
        handshake: LinkHandshake,
        core: MeshCore,
        peerIdentity: PeerIdentity?,
        backendDescription: String,
        logger: Logger
    ) {
        self.role = role
        self.handshake = handshake
        self.core = core
        self.peerIdentity = peerIdentity
        self.backendDescription = backendDescription
        self.logger = logger
    }

    var peer: String? {
        if case .established(let p) = state { return p }
        return nil
    }

    /// The transport below heard from the peer without delivering link bytes yet (a UDP link's
    /// acks, or data held back behind a lost datagram): that is life too, as any received byte is.
    func transportHeardFromPeer() {
        guard let context else { return }
        detector?.received(now: context.eventLoop.monotonicNow)
    }

    // MARK: inbound

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.timer = LoopTimer(loop: context.eventLoop)
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard detector == nil else { return }
        let now = context.eventLoop.monotonicNow
        detector = FailureDetector(
            heartbeatInterval: core.heartbeatInterval,
            deadTimeout: core.deadTimeout,
            pace: role == .dialer ? .leading : .following,
            now: now
        )
        if role == .dialer {
            sendControl(.hello(makeHello(cost: handshake.cost)))
        }
        timer?.schedule(in: helloTimeout) { [weak self] in
            guard let self, case .awaitingHello = self.state else { return }
            self.fail("no hello from peer within \(self.helloTimeout.nanoseconds / 1_000_000_000) s")
        }
    }

    private func makeHello(cost: Double) -> LinkHello {
        LinkHello(
            nodeID: core.localNode,
            instance: core.instance,
            cost: cost,
            heartbeatIntervalMillis: UInt32(clamping: core.heartbeatInterval.milliseconds)
        )
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        detector?.received(now: context.eventLoop.monotonicNow)
        framesIn &+= 1
        if case .message(let m) = frame { bytesIn &+= UInt64(m.payload.readableBytes + m.headerLength) }
        switch state {
        case .awaitingHello:
            guard case .hello(let hello) = frame else {
                if case .reject(let reason) = frame {
                    fail("peer refused the link: \(reason)", notifyPeer: false)
                } else {
                    fail("protocol violation: expected hello")
                }
                return
            }
            receivedHello(hello)
        case .established(let peer):
            switch frame {
            case .heartbeat(let hb):
                heardHeartbeat(hb, context: context)
            case .routing(let ads):
                core.receivedRouting(ads, from: peer)
            case .message(let message):
                core.receivedMessage(message, fromLink: self)
            case .reject(let reason):
                fail("peer closed the link: \(reason)", notifyPeer: false)
            case .hello:
                fail("protocol violation: second hello")
            }
        case .closed:
            break
        }
    }

    private func receivedHello(_ hello: LinkHello) {
        let certificateIDs = peerIdentity?.nodeIDs
        switch handshake.evaluate(hello, certificateNodeIDs: certificateIDs) {
        case .reject(let reason):
            fail("refused link from \(hello.nodeID): \(reason)")
        case .accept(let peer, let cost):
            if case .refuse(let reason) = core.admission(of: self, peer: peer, peerInstance: hello.instance) {
                fail("refused link from \(peer): \(reason)")
                return
            }
            if role == .listener {
                sendControl(.hello(makeHello(cost: cost)))
            }
            self.peerInstance = hello.instance
            self.cost = cost
            if let reason = core.linkEstablished(self, peer: peer, cost: cost, peerInstance: hello.instance) {
                fail("refused link from \(peer): \(reason)")
                return
            }
            state = .established(peer: peer)
            onEstablished?()
            logger[metadataKey: "peer"] = "\(peer)"
            logger.info("link up", metadata: ["backend": "\(backendDescription)", "cost": "\(cost)"])
            scheduleTick()
        }
    }

    // MARK: liveness

    /// The deadline the liveness timer is armed for.
    private var tickArmedFor: Duration?

    /// Arms the liveness timer for the detector's next deadline, unless it is armed for that
    /// already. Called after heartbeats and ticks, never per data frame: a deadline that data
    /// traffic moved later costs at most one early wakeup, which re-arms.
    private func scheduleTick() {
        guard let detector, case .established = state else { return }
        let deadline = detector.nextTick
        if tickArmedFor == deadline, timer?.isArmed == true { return }
        tickArmedFor = deadline
        timer?.schedule(at: deadline) { [weak self] in
            self?.tickArmedFor = nil
            self?.tick()
        }
    }

    private func tick() {
        guard let context, case .established = state else { return }
        let now = context.eventLoop.monotonicNow
        guard let action = detector?.tick(now: now) else { return }
        if perform(action, echoing: 0, now: now) { scheduleTick() }
        core.awakeForHeartbeats(now: now, except: self)
    }

    /// The node is awake for another link's heartbeat: send ours now if it is due within the
    /// detector's slack, saving the wakeup our own timer would cost (see ``FailureDetector``).
    func sendHeartbeatIfDueSoon(now: Duration) {
        guard case .established = state, let action = detector?.tickEarly(now: now), action != .none else { return }
        if perform(action, echoing: 0, now: now) { scheduleTick() }
    }

    /// A heartbeat from the peer: a reply is our own timestamp back (a value we cannot have sent
    /// is ignored); a request is echoed; a keepalive may be answered with ours.
    private func heardHeartbeat(_ hb: LinkHeartbeat, context: ChannelHandlerContext) {
        let now = context.eventLoop.monotonicNow
        if hb.kind == .reply, hb.timestamp <= UInt64(max(0, now.nanoseconds)) {
            lastRTT = now - .nanoseconds(Int64(truncatingIfNeeded: hb.timestamp))
        }
        guard let action = detector?.heard(hb.kind, now: now) else { return }
        if perform(action, echoing: hb.timestamp, now: now) { scheduleTick() }
        core.awakeForHeartbeats(now: now, except: self)
    }

    /// Carries out a detector action; false when the link was closed.
    private func perform(_ action: FailureDetector.Action, echoing timestamp: UInt64, now: Duration) -> Bool {
        switch action {
        case .none:
            return true
        case .sendHeartbeat(.keepalive):
            sendControl(.heartbeat(.keepalive))
        case .sendHeartbeat(.request):
            sendControl(.heartbeat(LinkHeartbeat(kind: .request, timestamp: UInt64(max(0, now.nanoseconds)))))
        case .sendHeartbeat(.reply):
            sendControl(.heartbeat(LinkHeartbeat(kind: .reply, timestamp: timestamp)))
        case .declareDead(let silent):
            fail("peer silent for \(silent.milliseconds) ms, declaring it dead")
            return false
        }
        return true
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        pumpData()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closedDown(reason: "connection closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let violation = error as? MeshProtocolError {
            // The byte stream is out of step; nothing after this frame can be trusted.
            core.noteProtocolError(kind: violation.code.metricLabel, peer: peer ?? backendDescription, detail: "\(violation)")
            fail("protocol violation: \(violation)")
            return
        }
        fail("link error: \(error)", notifyPeer: false)
    }

    // MARK: outbound

    // MARK: refreshes

    /// Routing refreshes (nothing in them changed) waiting for our next write to the peer, the
    /// newest per origin: at most one per known origin, which the router caps.
    private var pendingRefreshes: [String: RoutingAdvertisement] = [:]

    /// Holds refreshes until the link writes anyway: the next heartbeat (at most an interval away
    /// on a quiet link), control frame or data frame carries them in the same flush.
    func queueRefresh(_ ads: [RoutingAdvertisement]) {
        guard case .established = state else { return }
        for ad in ads { pendingRefreshes[ad.origin] = ad }
    }

    /// Writes the held refreshes ahead of whatever is written next (oldest news first, so a
    /// changed advertisement right behind them still wins by its sequence).
    private func writePendingRefreshes() {
        guard !pendingRefreshes.isEmpty else { return }
        let ads = pendingRefreshes.values.sorted { $0.origin < $1.origin }
        pendingRefreshes.removeAll(keepingCapacity: true)
        sendRouting(ads)
    }

    /// Sends advertisements at once, ahead of queued data, in routing frames of at most 256.
    func sendRouting(_ ads: [RoutingAdvertisement]) {
        var start = 0
        while start < ads.count {
            let end = min(ads.count, start + 256)
            sendControl(.routing(Array(ads[start..<end])))
            start = end
        }
    }

    /// Sends a control frame (hello, heartbeat, routing, reject) ahead of queued data.
    func sendControl(_ frame: LinkFrame) {
        guard let context, context.channel.isActive else { return }
        if case .established = state { writePendingRefreshes() }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        frame.encode(into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: nil)
        detector?.sent(now: context.eventLoop.monotonicNow)
        scheduleFlush()
    }

    /// Queues a routed message. Returns false if the link is gone or the queue is full (dropped).
    ///
    /// The header is encoded into a small buffer and the payload is written as it is (a slice of the
    /// frame it arrived in, when forwarding), so a hop copies payload bytes only inside TLS.
    @discardableResult
    func sendMessage(_ message: MeshMessage) -> Bool {
        guard let context, case .established = state else { return false }
        var header = context.channel.allocator.buffer(capacity: message.headerLength + 5)
        LinkFrame.encodeMessageHeader(message, into: &header)
        let size = header.readableBytes + message.payload.readableBytes
        framesOut &+= 1
        bytesOut &+= UInt64(size)
        if dataQueue.isEmpty && context.channel.isWritable {
            writeFrame(header, message.payload, context: context)
            scheduleFlush()
            return true
        }
        guard dataQueueBytes + size <= Self.dataQueueLimit else {
            droppedDataFrames += 1
            return false
        }
        dataQueueBytes += size
        dataQueue.append((header, message.payload))
        pumpData()
        return true
    }

    private func writeFrame(_ header: ByteBuffer, _ payload: ByteBuffer, context: ChannelHandlerContext) {
        writePendingRefreshes()
        // Written, not merely queued: data stuck behind a full socket tells the peer nothing.
        detector?.sent(now: context.eventLoop.monotonicNow)
        context.write(wrapOutboundOut(header), promise: nil)
        if payload.readableBytes > 0 {
            context.write(wrapOutboundOut(payload), promise: nil)
        }
    }

    /// Bytes waiting in the data queue.
    var queuedBytes: Int { dataQueueBytes }

    private func pumpData() {
        guard let context else { return }
        var wrote = false
        while context.channel.isWritable, let frame = dataQueue.popFirst() {
            dataQueueBytes -= frame.header.readableBytes + frame.payload.readableBytes
            writeFrame(frame.header, frame.payload, context: context)
            wrote = true
        }
        if wrote { scheduleFlush() }
    }

    private func scheduleFlush() {
        guard !flushPending, let context else { return }
        flushPending = true
        context.eventLoop.assumeIsolated().execute { [weak self] in
            guard let self, let context = self.context else { return }
            self.flushPending = false
            context.flush()
        }
    }

    // MARK: closing

    /// Closes the link, telling the peer why when it is useful.
    func fail(_ reason: String, notifyPeer: Bool = true) {
        guard let context else { return }
        if case .closed = state { return }
        logger.warning("closing link", metadata: ["backend": "\(backendDescription)", "reason": "\(reason)"])
        if notifyPeer, context.channel.isActive {
            sendControl(.reject(reason: reason))
            context.flush()
        }
        closedDown(reason: reason)
        context.close(promise: nil)
    }

    /// Closes without logging a failure (shutdown, reload). The future completes when the
    /// channel has closed: the reject frame and the TLS close are written by then.
    @discardableResult
    func shutdown(reason: String) -> EventLoopFuture<Void>? {
        guard let context else { return nil }
        let closed = context.channel.closeFuture
        if case .closed = state { return closed }
        if context.channel.isActive {
            sendControl(.reject(reason: reason))
            context.flush()
        }
        closedDown(reason: reason)
        context.close(promise: nil)
        return closed
    }

    private func closedDown(reason: String) {
        let establishedPeer = peer
        state = .closed
        timer?.cancel()
        dataQueue.removeAll()
        dataQueueBytes = 0
        if let establishedPeer {
            logger.info("link down", metadata: ["reason": "\(reason)"])
            core.linkClosed(self, peer: establishedPeer)
        }
    }
}
