import Foundation
import Logging
import MeshConfig
import MeshProtocol
import NIOCore
import NIOPosix

/// `udp-client`: a mesh datagram service (ConnType 0, ad tags `type: UDP Proxy`, `address`) whose
/// datagrams are sent to the UDP `address`.
///
/// Each mesh sender (node, service) gets a session: a UDP socket connected to `address`, so the
/// target sees one stable source port per sender and its replies go back, as mesh datagrams from
/// `service`, to that sender only. `address` is resolved once, at start (IPv4 preferred, as Go
/// does); a name that does not resolve stops startup.
///
/// Sessions end after ``idleTimeout`` (60 s) without a datagram either way, or when their socket
/// fails; at most ``maximumSessions`` (4096) exist, a new sender replacing the least recently
/// active one. Receptor keeps every socket for ever.
final class UDPClientProxy {
    /// A mesh sender.
    struct Endpoint: Hashable {
        var node: String
        var service: String
    }

    /// One sender's socket; datagrams wait in `pending` while it connects.
    private final class Session {
        var channel: (any Channel)?
        var pending: [ByteBuffer] = []
        var pendingBytes = 0
        var released = false
    }

    /// Datagrams held per session while its socket connects (beyond this they are dropped).
    private static let pendingLimit = 64

    private let entry: UDPClientEntry
    private unowned let core: MeshCore
    private let logger: Logger
    private var target: SocketAddress?
    private var sessions: UDPSessionStore<Endpoint, Session>?

    /// How long a mesh sender's session lasts without traffic; set before ``start()``.
    var idleTimeout: Duration = UDPSessionTable<Endpoint, Int>.defaultIdleTimeout
    /// The most mesh senders with a session at once; set before ``start()``.
    var maximumSessions: Int = UDPSessionTable<Endpoint, Int>.defaultCapacity

    /// Creates the proxy; nothing is registered until ``start()``.
    /// - Parameters:
    ///   - entry: The configuration entry.
    ///   - core: The node's mesh core (its loop runs the sockets too).
    ///   - logger: Where to log.
    init(entry: UDPClientEntry, core: MeshCore, logger: Logger) {
        self.entry = entry
        self.core = core
        self.logger = logger
    }

    /// Number of mesh senders with a live session.
    var sessionCount: Int { sessions?.count ?? 0 }

    /// Resolves `address`, registers and advertises the service. Throws a ``ConfigError`` if the
    /// address does not resolve or the service name is taken.
    func start() throws {
        guard let (host, port) = entry.hostAndPort else {
            throw ConfigError(entry: "udp-client", index: entry.index, field: "address", message: "invalid address \(entry.address)")
        }
        do {
            target = try Self.resolve(host: host, port: port)
        } catch {
            throw ConfigError(
                entry: "udp-client",
                index: entry.index,
                field: "address",
                message: "cannot resolve UDP address \(entry.address): \(error)"
            )
        }
        if core.serviceInUse(entry.service) {
            throw ConfigError(entry: "udp-client", index: entry.index, field: "service", message: "service \(entry.service) is already in use")
        }
        let logger = logger
        sessions = UDPSessionStore(loop: core.loop, idleTimeout: idleTimeout, capacity: maximumSessions) { sender, session, reason in
            Self.release(session)
            logger.debug("udp-client session ended", metadata: ["sender": "\(sender.node):\(sender.service)", "reason": "\(reason.rawValue)"])
        }
        core.registerDatagramService(entry.service) { [weak self] message in
            self?.receivedFromMesh(message)
        }
        core.advertise(
            ServiceAdvertisement(name: entry.service, connType: .datagram, tags: ["type": "UDP Proxy", "address": entry.address])
        )
    }

    /// Withdraws the service and closes every session's socket.
    func stop() {
        core.unregisterDatagramService(entry.service)
        core.withdraw(service: entry.service)
        sessions?.releaseAll()
    }

    private static func release(_ session: Session) {
        session.released = true
        session.pending.removeAll()
        session.channel?.close(promise: nil)
        session.channel = nil
    }

    private func receivedFromMesh(_ message: MeshMessage) {
        guard message.kind == .datagram else {
            var payload = message.payload
            // Only feeds the debug line: a notice that does not decode is still "unreachable".
            let problem = (try? Unreachable.decode(from: &payload))?.problem.description ?? "unreachable"
            logger.debug("udp-client \(entry.service): \(message.sourceNode):\(message.sourceService) unreachable: \(problem)")
            return
        }
        guard let sessions, let target else { return }
        let sender = Endpoint(node: message.sourceNode, service: message.sourceService)
        let session: Session
        if let existing = sessions.touch(sender) {
            session = existing
        } else {
            session = Session()
            sessions.add(sender, session)
            connect(session, for: sender, to: target)
        }
        send(message.payload, on: session, for: sender)
    }

    private func send(_ payload: ByteBuffer, on session: Session, for sender: Endpoint) {
        guard !session.released else { return }
        guard let channel = session.channel else {
            if session.pending.count < Self.pendingLimit {
                session.pending.append(payload)
            }
            return
        }
        guard channel.isWritable else {
            logger.debug("udp-client \(entry.service): socket busy, dropping a datagram from \(sender.node):\(sender.service)")
            return
        }
        channel.writeAndFlush(payload, promise: nil)
    }

    private func connect(_ session: Session, for sender: Endpoint, to target: SocketAddress) {
        let loop = core.loop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let boundSession = NIOLoopBound(session, eventLoop: loop)
        let logger = logger
        let service = entry.service
        UDPProxyDatagramHandler.bootstrap(on: loop) {
            UDPProxyDatagramHandler(
                onRead: { bound.value.receivedFromUDP($0.data, session: boundSession.value, for: sender) },
                onError: { logger.debug("udp-client \(service): socket error for \(sender.node):\(sender.service): \($0)") }
            )
        }
        .connect(to: target)
        .assumeIsolated()
        .whenComplete { result in
            let proxy = bound.value
            switch result {
            case .success(let channel):
                guard !session.released else {
                    channel.close(promise: nil)
                    return
                }
                session.channel = channel
                let waiting = session.pending
                session.pending.removeAll()
                for payload in waiting { proxy.send(payload, on: session, for: sender) }
                channel.closeFuture.assumeIsolated().whenComplete { _ in
                    // A socket that failed ends its session; the sender's next datagram opens a new one.
                    if proxy.sessions?.peek(sender) === session {
                        proxy.sessions?.remove(sender)
                        Self.release(session)
                    }
                }
            case .failure(let error):
                logger.warning("udp-client \(service): cannot open a UDP socket to \(target): \(error)")
                if proxy.sessions?.peek(sender) === session {
                    proxy.sessions?.remove(sender)
                }
                Self.release(session)
            }
        }
    }

    private func receivedFromUDP(_ payload: ByteBuffer, session: Session, for sender: Endpoint) {
        guard !session.released, sessions?.touch(sender) === session else { return }
        core.originate(
            MeshMessage(
                kind: .datagram,
                sourceNode: core.localNode,
                destinationNode: sender.node,
                sourceService: entry.service,
                destinationService: sender.service,
                payload: payload
            )
        )
    }

    /// Why ``resolve(host:port:)`` failed.
    struct ResolveError: Error, CustomStringConvertible {
        var description: String
    }

    /// `host` and `port` as a socket address: a literal as is, a name by `getaddrinfo`, taking
    /// the first IPv4 result if there is one (Go's resolver prefers IPv4 too).
    static func resolve(host: String, port: Int) throws -> SocketAddress {
        // A parse attempt: not an IP literal means a host name, resolved below (which reports its own errors).
        if let literal = try? SocketAddress(ipAddress: host, port: port) {
            return literal
        }
        var hints = addrinfo()
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        #else
        hints.ai_socktype = SOCK_DGRAM
        #endif
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw ResolveError(description: status == 0 ? "no address found" : String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var candidates: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let address = info.pointee.ai_addr {
                switch info.pointee.ai_family {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        candidates.append(SocketAddress($0.pointee, host: host))
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        candidates.append(SocketAddress($0.pointee, host: host))
                    }
                default:
                    break
                }
            }
            cursor = info.pointee.ai_next
        }
        guard let chosen = candidates.first(where: { $0.protocol == .inet }) ?? candidates.first else {
            throw ResolveError(description: "no IPv4 or IPv6 address found")
        }
        return chosen
    }
}
