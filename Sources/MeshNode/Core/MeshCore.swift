import Foundation
import Logging
import MeshProtocol
import MeshRouter
import NIOCore

/// The heart of a node: links, the link-state router, forwarding, local services and streams.
///
/// Confinement: one `MeshCore` lives on one event loop, and every link channel, stream and control
/// session of the node runs on that loop too. That removes all locking from the data path; a TLS
/// link is bounded by about one core per GB/s anyway (stack-notes), and a 2-core machine runs the
/// work units and the other side of a benchmark on the other core. Sharding links over several
/// loops is a later step if a node must carry more than one core's worth of traffic.
public final class MeshCore: StreamTransport {
    public let settings: MeshSettings
    public let loop: any EventLoop
    public var localNode: String { settings.nodeID }
    /// Random per process start; tells a restarted node (or a duplicate) apart.
    public let instance: UInt64
    var heartbeatInterval: Duration { settings.heartbeatInterval }
    var deadTimeout: Duration { settings.deadTimeout }
    let logger: Logger
    /// The wall clock for advertisement times and status (timers use the loop's clock).
    public let wallClock: WallClock

    private var router: LinkStateRouter
    private var sequenceStore: SequenceStore
    private var reportedSequenceFailure: String?
    private var routerTimer: LoopTimer
    private var links: [String: LinkHandler] = [:]
    private var localServices: [String: ServiceAdvertisement] = [:]
    private var datagramHandlers: [String: (MeshMessage) -> Void] = [:]
    private(set) var streams: StreamManager!
    private var reportedDuplicates: Set<UInt64> = []
    /// Called after the routing table changes (for observers such as tests and metrics).
    public var onRoutesChanged: (() -> Void)?

    /// Counters for status and metrics.
    public private(set) var forwardedMessages = 0
    public private(set) var droppedMessages = 0
    /// Messages dropped because their claimed source could not have sent them over that link.
    public private(set) var spoofedMessages = 0
    /// Messages the firewall dropped or rejected.
    public private(set) var firewalledMessages = 0

    /// `node.firewallrules`, applied to every message this node originates, forwards or delivers.
    public var firewall = Firewall()

    public init(settings: MeshSettings, loop: any EventLoop, logger: Logger, wallClock: WallClock = .system) {
        self.settings = settings
        self.loop = loop
        self.logger = logger
        self.wallClock = wallClock
        self.instance = UInt64.random(in: 1...UInt64.max)
        let nodeDirectory = settings.dataDirectory + "/" + settings.nodeID
        do {
            try FileManager.default.createDirectory(atPath: nodeDirectory, withIntermediateDirectories: true)
        } catch {
            logger.warning("cannot create the node's data directory", metadata: ["path": "\(nodeDirectory)", "error": "\(error)"])
        }
        self.sequenceStore = SequenceStore(directory: nodeDirectory, now: wallClock.now())
        self.router = LinkStateRouter(
            localNode: settings.nodeID,
            instance: instance,
            initialSequence: sequenceStore.first,
            startTimeMillis: wallClock.millisecondsSince1970,
            configuration: RouterConfiguration(
                refreshInterval: settings.routeRefresh,
                lifetime: settings.routeLifetime
            )
        )
        self.routerTimer = LoopTimer(loop: loop)
        self.streams = StreamManager(
            core: self,
            loop: loop,
            localNode: settings.nodeID,
            configuration: settings.streams,
            logger: logger
        )
        registerDatagramService("ping") { [unowned self] message in
            guard message.kind == .datagram else { return }
            self.originate(
                MeshMessage(
                    kind: .datagram,
                    sourceNode: self.localNode,
                    destinationNode: message.sourceNode,
                    sourceService: "ping",
                    destinationService: message.sourceService,
                    payload: ByteBuffer()
                )
            )
        }
    }

    // MARK: clock

    private var now: Duration { loop.monotonicNow }
    private var wallClockMillis: Int64 { wallClock.millisecondsSince1970 }

    // MARK: router

    private func apply(_ actions: [RouterAction]) {
        for action in actions {
            switch action {
            case .send(let ads, let neighbours):
                for n in neighbours { links[n]?.sendRouting(ads) }
            case .refresh(let ads, let neighbours):
                for n in neighbours { links[n]?.queueRefresh(ads) }
            case .routesChanged:
                logger.debug("routing table changed", metadata: ["routes": "\(router.routingTable)"])
                streams.routesChanged()
                onRoutesChanged?()
            case .rejected(let origin, let peer, let reason):
                // Not stored and not flooded on by the router: counted against the sender.
                noteProtocolError(
                    kind: MeshProtocolError.Code.absurdValue.metricLabel,
                    peer: peer,
                    detail: "advertisement for \(origin): \(reason)"
                )
            case .duplicateNode(let ad):
                if reportedDuplicates.insert(ad.instance).inserted {
                    logger.error(
                        "another node is using our node ID \(localNode) (instance \(ad.instance)); fix the configuration"
                    )
                }
            }
        }
        sequenceStore.used(router.sequence)
        if sequenceStore.lastFailure != reportedSequenceFailure {
            reportedSequenceFailure = sequenceStore.lastFailure
            if let failure = reportedSequenceFailure {
                logger.warning("routing sequence reservation not saved", metadata: ["error": "\(failure)"])
            }
        }
        armRouterTimer()
    }

    private func armRouterTimer() {
        guard let deadline = router.nextTimerDeadline() else {
            routerTimer.cancel()
            return
        }
        let delay = max(deadline - now, .zero)
        routerTimer.schedule(in: delay.timeAmount) { [weak self] in
            guard let self else { return }
            self.apply(self.router.tick(now: self.now, wallClockMillis: self.wallClockMillis))
        }
    }

    /// Starts the router's timers (refresh and aging).
    public func start() {
        apply(router.tick(now: now, wallClockMillis: wallClockMillis))
    }

    func nextHop(to node: String) -> String? {
        router.routingTable[node]
    }

    /// Current routing table: destination -> next hop.
    public var routingTable: [String: String] { router.routingTable }
    /// The link-state database as node -> (peer -> cost).
    public var knownConnectionCosts: [String: [String: Double]] { router.knownConnectionCosts }
    /// Every advertisement known, ours included.
    public var advertisements: [RoutingAdvertisement] { router.advertisements }

    /// Established links: peer -> cost.
    public var connections: [(node: String, cost: Double)] {
        links.values.compactMap { link in link.peer.map { ($0, link.cost) } }.sorted { $0.node < $1.node }
    }

    /// Information about one link, for status and metrics.
    public func linkInfo(_ peer: String) -> (rtt: Duration?, queuedBytes: Int, dropped: Int)? {
        guard let l = links[peer] else { return nil }
        return (l.lastRTT, l.queuedBytes, l.droppedDataFrames)
    }

    /// A link's counters for metrics.
    public struct LinkCounters: Sendable {
        public var peer: String
        public var cost: Double
        public var rtt: Duration?
        public var queuedBytes: Int
        public var droppedFrames: Int
        public var framesIn: UInt64
        public var framesOut: UInt64
        public var bytesIn: UInt64
        public var bytesOut: UInt64
    }

    /// Every established link's counters.
    public var linkCounters: [LinkCounters] {
        links.values.compactMap { l in
            l.peer.map {
                LinkCounters(
                    peer: $0, cost: l.cost, rtt: l.lastRTT, queuedBytes: l.queuedBytes, droppedFrames: l.droppedDataFrames,
                    framesIn: l.framesIn, framesOut: l.framesOut, bytesIn: l.bytesIn, bytesOut: l.bytesOut
                )
            }
        }
    }

    /// Protocol violations seen, by kind (`receptord_protocol_errors_total{kind=...}`): frames
    /// that do not decode (the link is closed), advertisements with absurd values and stream
    /// frames that break the stream protocol (dropped, never passed on).
    public private(set) var protocolErrors: [String: UInt64] = [:]

    /// Counts and logs one protocol violation by `peer` (a neighbour or a stream's far end).
    /// Logging is rate-limited per kind so a hostile peer cannot flood the log.
    func noteProtocolError(kind: String, peer: String, detail: String) {
        let count = (protocolErrors[kind] ?? 0) &+ 1
        protocolErrors[kind] = count
        if count <= 10 || count % 1000 == 0 {
            logger.warning(
                "protocol violation",
                metadata: ["kind": "\(kind)", "peer": "\(peer)", "detail": "\(detail)", "count": "\(count)"]
            )
        }
    }

    /// Control commands served, by command name.
    public private(set) var controlCommands: [String: UInt64] = [:]

    func countControlCommand(_ name: String) {
        let key = ["status", "ping", "traceroute", "connect", "reload", "work"].contains(name) ? name : "other"
        controlCommands[key, default: 0] &+= 1
    }

    /// Number of streams open on this node.
    public var streamCount: Int { streams.count }

    // MARK: links

    /// A link is handling a heartbeat (the node is awake for it): every other link sends its own
    /// heartbeat now if it is due soon, so one wakeup serves them all. Heartbeats flow only on
    /// quiet links, so this costs O(links) a few times per interval, never per data frame.
    func awakeForHeartbeats(now: Duration, except link: LinkHandler) {
        guard links.count > 1 else { return }
        for other in links.values where other !== link {
            other.sendHeartbeatIfDueSoon(now: now)
        }
    }

    /// What to do with a new link to `peer` given the links we already have.
    enum Admission {
        case accept
        case replace(LinkHandler)
        case refuse(String)
    }

    /// Decides whether a link whose hello checked out may join. Pure with respect to state: it is
    /// asked once before the listener answers the hello (so a refused dialer never sees a link come
    /// up and keeps backing off), and again when the link is registered.
    func admission(of link: LinkHandler, peer: String, peerInstance: UInt64) -> Admission {
        guard let existing = links[peer], existing !== link else { return .accept }
        if existing.peerInstance != peerInstance {
            // Two live processes claim one node ID: keep the first, never flap between them.
            return .refuse("node \(peer) is already connected (another instance); duplicate node ID?")
        }
        // Same peer process, a second link (both sides dialled, or a reconnect racing the old
        // link's death). Both ends keep the link dialled by the smaller node ID, so they agree.
        let newDialer = link.role == .dialer ? localNode : peer
        let oldDialer = existing.role == .dialer ? localNode : peer
        let preferNew = newDialer == oldDialer || newDialer < oldDialer
        return preferNew ? .replace(existing) : .refuse("already connected to \(peer) by a preferred link")
    }

    /// A link finished its hello. Returns a reason to refuse it, or nil to accept.
    func linkEstablished(_ link: LinkHandler, peer: String, cost: Double, peerInstance: UInt64) -> String? {
        switch admission(of: link, peer: peer, peerInstance: peerInstance) {
        case .refuse(let reason):
            return reason
        case .replace(let existing):
            links[peer] = link
            existing.shutdown(reason: "replaced by a preferred link")
        case .accept:
            links[peer] = link
        }
        apply(router.linkUp(peer, cost: cost, now: now, wallClockMillis: wallClockMillis))
        return nil
    }

    func linkClosed(_ link: LinkHandler, peer: String) {
        guard links[peer] === link else { return }
        links[peer] = nil
        apply(router.linkDown(peer, now: now, wallClockMillis: wallClockMillis))
    }

    func receivedRouting(_ ads: [RoutingAdvertisement], from peer: String) {
        var actions: [RouterAction] = []
        var origins: Set<String> = []
        for ad in ads {
            let result = router.receive(ad, from: peer, now: now, wallClockMillis: wallClockMillis)
            // A rejected advertisement's instance is as untrustworthy as the rest: no restart is inferred from it.
            let rejected = result.contains { if case .rejected = $0 { true } else { false } }
            if !rejected && ad.origin != localNode { origins.insert(ad.origin) }
            actions += result
        }
        apply(actions)
        for origin in origins {
            noteInstance(of: origin)
        }
    }

    /// Process instances of other nodes as last seen; a change means the node restarted.
    private var instances: [String: UInt64] = [:]

    /// A node that restarted has forgotten every stream it had: reset ours at once with a clear
    /// reason instead of waiting on a peer that will never answer.
    private func noteInstance(of node: String) {
        guard let current = router.nodeRecord(node)?.instance else { return }
        if let previous = instances[node], previous != current {
            logger.info("node restarted", metadata: ["restarted": "\(node)"])
            streams.peerRestarted(node)
        }
        instances[node] = current
    }

    /// Closes every link (shutdown or reload).
    /// - Returns: one future per link, completed when its channel has closed.
    @discardableResult
    public func closeAllLinks(reason: String) -> [EventLoopFuture<Void>] {
        Array(links.values).compactMap { $0.shutdown(reason: reason) }
    }

    // MARK: services

    /// Work types this node runs; put on its control services' advertisements (set before start).
    public var localWorkCommands: [WorkCommandAdvertisement] = []

    /// Advertises a service (replacing one of the same name).
    public func advertise(_ service: ServiceAdvertisement) {
        localServices[service.name] = service
        publishServices()
    }

    public func withdraw(service name: String) {
        localServices[name] = nil
        publishServices()
    }

    private func publishServices() {
        let list = localServices.values.sorted { $0.name < $1.name }
        apply(router.setLocalServices(list, now: now, wallClockMillis: wallClockMillis))
    }

    /// Whether a service name is taken on this node (mesh services are unique per node).
    public func serviceInUse(_ name: String) -> Bool {
        localServices[name] != nil || datagramHandlers[name] != nil || streams.isListening(name)
    }

    /// Receives datagrams (and unreachable reports) addressed to `service` on this node.
    func registerDatagramService(_ service: String, handler: @escaping (MeshMessage) -> Void) {
        datagramHandlers[service] = handler
    }

    func unregisterDatagramService(_ service: String) {
        datagramHandlers[service] = nil
    }

    /// A fresh random 8-character service name.
    func makeEphemeralServiceName() -> String {
        let chars = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        while true {
            let name = String((0..<8).map { _ in chars.randomElement()! })
            if !serviceInUse(name) { return name }
        }
    }

    // MARK: forwarding

    /// A message arrived on a link. Its claimed source must be able to reach us over that link
    /// (see `LinkStateRouter.isPlausibleSource`), so no mesh member can speak in another's name
    /// unless it is on that node's path to us anyway.
    func receivedMessage(_ message: MeshMessage, fromLink: LinkHandler) {
        guard let peer = fromLink.peer, router.isPlausibleSource(message.sourceNode, from: peer) else {
            spoofedMessages += 1
            if spoofedMessages <= 10 || spoofedMessages % 1000 == 0 {
                logger.warning(
                    "dropping a message whose source could not have sent it over this link",
                    metadata: ["claimed-source": "\(message.sourceNode)", "link": "\(fromLink.peer ?? "?")", "count": "\(spoofedMessages)"]
                )
            }
            return
        }
        route(message)
    }

    /// Sends a message that this node originates.
    func originate(_ message: MeshMessage) {
        route(message)
    }

    /// The forwarding decision, in receptor's order: local delivery, then the hop limit, then the route.
    private func route(_ message: MeshMessage) {
        if !firewall.isEmpty {
            switch firewall.decide(
                fromNode: message.sourceNode,
                fromService: message.sourceService,
                toNode: message.destinationNode,
                toService: message.destinationService
            ) {
            case .accept:
                break
            case .drop:
                firewalledMessages += 1
                return
            case .reject:
                firewalledMessages += 1
                report(.blockedByFirewall, about: message)
                return
            }
        }
        if message.destinationNode == localNode {
            deliverLocally(message)
            return
        }
        guard message.hopsToLive > 0 else {
            report(.expired, about: message)
            return
        }
        guard let next = router.routingTable[message.destinationNode] else {
            report(.noRoute, about: message)
            return
        }
        guard let link = links[next] else {
            report(.noConnection, about: message)
            return
        }
        var forwarded = message
        forwarded.hopsToLive -= 1
        if link.sendMessage(forwarded) {
            forwardedMessages += 1
        } else {
            droppedMessages += 1
        }
    }

    private func deliverLocally(_ message: MeshMessage) {
        switch message.kind {
        case .stream:
            streams.receive(message)
        case .datagram:
            if let handler = datagramHandlers[message.destinationService] {
                handler(message)
            } else {
                report(.serviceUnknown, about: message)
            }
        case .unreachable:
            if let handler = datagramHandlers[message.destinationService] {
                handler(message)
            } else {
                var payload = message.payload
                do {
                    let u = try Unreachable.decode(from: &payload)
                    streams.unreachable(service: message.destinationService, problem: u.problem.description)
                } catch {
                    noteProtocolError(kind: "invalid_field", peer: message.sourceNode, detail: "unreachable report: \(error)")
                }
            }
        }
    }

    /// Tells a message's source why it was not delivered (never about an unreachable report).
    private func report(_ problem: Unreachable.Problem, about message: MeshMessage) {
        guard message.kind != .unreachable else { return }
        let report = MeshMessage(
            kind: .unreachable,
            sourceNode: localNode,
            destinationNode: message.sourceNode,
            sourceService: message.destinationService,
            destinationService: message.sourceService,
            payload: Unreachable(problem: problem, reportingNode: localNode).encoded()
        )
        if message.sourceNode == localNode {
            deliverLocally(report)
        } else {
            route(report)
        }
    }

    // MARK: ping

    /// The result of one ping.
    public struct PingResult: Sendable {
        /// The node that answered (the target, or the node that reported a problem).
        public var from: String
        public var elapsed: Duration
        /// Nil on success; else receptor's error text.
        public var error: String?
    }

    /// Pings `target` (a node ID; `localhost` means this node) with a hop limit.
    public func ping(_ target: String, hopsToLive: UInt8 = MeshMessage.defaultHopsToLive, timeout: TimeAmount = .seconds(10))
        -> EventLoopFuture<PingResult>
    {
        let node = target.lowercased() == "localhost" ? localNode : target
        let service = makeEphemeralServiceName()
        let promise = loop.makePromise(of: PingResult.self)
        let started = loop.now
        let timer = LoopTimer(loop: loop)
        let finish: (PingResult) -> Void = { [unowned self] result in
            timer.cancel()
            self.unregisterDatagramService(service)
            promise.succeed(result)
        }
        registerDatagramService(service) { [unowned self] message in
            let elapsed = Duration.nanoseconds(Int64((self.loop.now - started).nanoseconds))
            if message.kind == .unreachable {
                var payload = message.payload
                // A malformed report still ends the ping, as "unreachable" from the message's source.
                let u = try? Unreachable.decode(from: &payload)
                finish(PingResult(from: u?.reportingNode ?? message.sourceNode, elapsed: elapsed, error: u?.problem.description ?? "unreachable"))
            } else {
                finish(PingResult(from: message.sourceNode, elapsed: elapsed, error: nil))
            }
        }
        timer.schedule(in: timeout) { [unowned self] in
            let elapsed = Duration.nanoseconds(Int64((self.loop.now - started).nanoseconds))
            finish(PingResult(from: self.localNode, elapsed: elapsed, error: "timeout"))
        }
        originate(
            MeshMessage(
                hopsToLive: hopsToLive,
                kind: .datagram,
                sourceNode: localNode,
                destinationNode: node,
                sourceService: service,
                destinationService: "ping",
                payload: ByteBuffer()
            )
        )
        return promise.futureResult
    }
}
