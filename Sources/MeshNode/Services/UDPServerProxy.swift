import Logging
import MeshConfig
import MeshProtocol
import NIOCore
import NIOPosix

/// `udp-server`: a local UDP port whose datagrams travel as mesh datagrams to (`remotenode`,
/// `remoteservice`), usually a `udp-client` elsewhere.
///
/// Each UDP sender (source address and port) gets a session: an ephemeral mesh datagram service,
/// the source of its datagrams on the mesh. Datagrams that come back to that service from the
/// target are sent to that UDP sender; datagrams from any other mesh endpoint, and unreachable
/// reports, are logged at debug level and dropped.
///
/// Unlike receptor, which keeps a session per sender for ever, a session ends after
/// ``idleTimeout`` (60 s) without a datagram either way, and at most ``maximumSessions`` (4096)
/// exist: a new sender then replaces the least recently active one. A sender that comes back
/// later simply gets a new session (a new mesh source service).
final class UDPServerProxy {
    private let entry: UDPServerEntry
    private unowned let core: MeshCore
    private let logger: Logger
    private let remoteNode: String
    private var channel: (any Channel)?
    private var sessions: UDPSessionStore<SocketAddress, String>?
    private var stopped = false

    /// How long a UDP sender's session lasts without traffic; set before ``start()``.
    var idleTimeout: Duration = UDPSessionTable<SocketAddress, String>.defaultIdleTimeout
    /// The most UDP senders with a session at once; set before ``start()``.
    var maximumSessions: Int = UDPSessionTable<SocketAddress, String>.defaultCapacity

    /// Creates the proxy; nothing is bound until ``start()``.
    /// - Parameters:
    ///   - entry: The configuration entry.
    ///   - core: The node's mesh core (its loop runs the socket too).
    ///   - logger: Where to log.
    init(entry: UDPServerEntry, core: MeshCore, logger: Logger) {
        self.entry = entry
        self.core = core
        self.logger = logger
        self.remoteNode = entry.remoteNode.lowercased() == "localhost" ? core.localNode : entry.remoteNode
    }

    /// The bound UDP address, once started.
    var localAddress: SocketAddress? { channel?.localAddress }

    /// Number of UDP senders with a live session.
    var sessionCount: Int { sessions?.count ?? 0 }

    /// The ephemeral mesh services of the live sessions, least recently active first.
    var sessionServices: [String] {
        guard let sessions else { return [] }
        return sessions.keys.compactMap { sessions.peek($0) }
    }

    /// Binds `bindaddr:port`. The future fails with a ``ConfigError`` naming the entry's `port`
    /// if the address cannot be bound.
    func start() -> EventLoopFuture<Void> {
        let loop = core.loop
        let logger = logger
        sessions = UDPSessionStore(loop: loop, idleTimeout: idleTimeout, capacity: maximumSessions) {
            [weak self] address, service, reason in
            self?.core.unregisterDatagramService(service)
            logger.debug("udp-server session ended", metadata: ["sender": "\(address)", "service": "\(service)", "reason": "\(reason.rawValue)"])
        }
        let bound = NIOLoopBound(self, eventLoop: loop)
        let entry = entry
        return UDPProxyDatagramHandler.bootstrap(on: loop) {
            UDPProxyDatagramHandler(
                onRead: { bound.value.receivedFromUDP($0) },
                onError: { logger.debug("udp-server socket error: \($0)") }
            )
        }
        .bind(host: entry.bindAddr, port: entry.port)
        .flatMapErrorThrowing { error in
            throw ConfigError(
                entry: "udp-server",
                index: entry.index,
                field: "port",
                message: "cannot listen on UDP \(entry.bindAddr):\(entry.port): \(error)"
            )
        }
        .map { channel in
            // stop() may have run while the bind was under way.
            if bound.value.stopped {
                channel.close(promise: nil)
            } else {
                bound.value.channel = channel
            }
        }
    }

    /// Closes the socket and ends every session.
    func stop() {
        stopped = true
        channel?.close(promise: nil)
        channel = nil
        sessions?.releaseAll()
    }

    private func receivedFromUDP(_ envelope: AddressedEnvelope<ByteBuffer>) {
        guard let sessions else { return }
        let sender = envelope.remoteAddress
        let service: String
        if let existing = sessions.touch(sender) {
            service = existing
        } else {
            service = core.makeEphemeralServiceName()
            core.registerDatagramService(service) { [weak self] message in
                self?.receivedFromMesh(message, for: sender)
            }
            sessions.add(sender, service)
            logger.debug("udp-server session started", metadata: ["sender": "\(sender)", "service": "\(service)"])
        }
        core.originate(
            MeshMessage(
                kind: .datagram,
                sourceNode: core.localNode,
                destinationNode: remoteNode,
                sourceService: service,
                destinationService: entry.remoteService,
                payload: envelope.data
            )
        )
    }

    private func receivedFromMesh(_ message: MeshMessage, for sender: SocketAddress) {
        guard message.kind == .datagram else {
            var payload = message.payload
            // Only feeds the debug line: a notice that does not decode is still "unreachable".
            let problem = (try? Unreachable.decode(from: &payload))?.problem.description ?? "unreachable"
            logger.debug("udp-server: \(remoteNode):\(entry.remoteService) unreachable: \(problem)")
            return
        }
        guard message.sourceNode == remoteNode, message.sourceService == entry.remoteService else {
            logger.debug("udp-server: dropping a datagram from unexpected source \(message.sourceNode):\(message.sourceService)")
            return
        }
        guard sessions?.touch(sender) != nil, let channel else { return }
        guard channel.isWritable else {
            logger.debug("udp-server: socket busy, dropping a datagram for \(sender)")
            return
        }
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: sender, data: message.payload), promise: nil)
    }
}
