import Logging
import NIOCore
import NIOPosix

/// A `udp-listener`: one datagram socket, one ``UDPLinkSession`` per peer address.
///
/// A session starts only with the first data packet of a connection (sequence 0, which carries
/// the dialer's hello); anything else from an unknown address is answered with a reset, so a
/// dialer whose listener restarted learns at once that it must redial. A datagram that is not a
/// link packet ends the session of the address it came from (the peer loses its link) and is
/// otherwise dropped; the daemon carries on. Half-open sessions end with the link's hello timeout.
final class UDPListenerBackend: LinkBackend {
    private let address: HostPort
    private let handshake: LinkHandshake
    private unowned let core: MeshCore
    private var channel: (any Channel)?
    private var sessions: [SocketAddress: UDPLinkSession] = [:]
    private var dirty: [ObjectIdentifier: UDPLinkSession] = [:]
    private let bindError: @Sendable (any Error) -> any Error
    private var logger: Logger
    private var droppedDatagrams = 0
    /// Most peers one listener serves at once.
    static let maximumSessions = 1024

    init(
        address: HostPort,
        handshake: LinkHandshake,
        core: MeshCore,
        bindError: @escaping @Sendable (any Error) -> any Error = { $0 }
    ) {
        self.address = address
        self.handshake = handshake
        self.core = core
        self.bindError = bindError
        var logger = core.logger
        logger[metadataKey: "backend"] = "udp-listener \(address)"
        self.logger = logger
    }

    var boundPort: Int? { channel?.localAddress?.port }

    func start() -> EventLoopFuture<Void> {
        let bound = NIOLoopBound(self, eventLoop: core.loop)
        return DatagramBootstrap(group: core.loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .udpLinkOptions()
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        UDPDatagramHandler(
                            onDatagram: { bound.value.received($0, from: $1) },
                            onBatchEnd: { bound.value.batchEnded() },
                            onError: { bound.value.logger.debug("UDP socket error", metadata: ["error": "\($0)"]) }
                        )
                    )
                }
            }
            .bind(host: address.host, port: address.port)
            .map { channel in bound.value.channel = channel }
            .flatMapErrorThrowing { [bindError] error in throw bindError(error) }
    }

    func stop() {
        for s in Array(sessions.values) { s.close(reason: "listener stopped") }
        sessions.removeAll()
        channel?.close(promise: nil)
        channel = nil
    }

    private func received(_ datagram: ByteBuffer, from peer: SocketAddress) {
        let packet: UDPLinkPacket
        do {
            packet = try UDPLinkPacket.decode(datagram)
        } catch {
            if let session = sessions[peer] {
                logger.warning("closing UDP link: malformed datagram", metadata: ["remote": "\(peer)", "reason": "\(error)"])
                session.close(reason: "malformed datagram: \(error)")
            } else {
                drop("malformed datagram from an unknown address", peer: peer)
            }
            return
        }
        if let session = sessions[peer] {
            if session.connection == packet.connection {
                session.receive(packet)
                dirty[ObjectIdentifier(session)] = session
                return
            }
            guard case .data(_, 0, _) = packet else {
                refuse(packet, to: peer)
                return
            }
            session.close(reason: "the peer started a new connection")
        }
        guard case .data(_, 0, _) = packet else {
            refuse(packet, to: peer)
            return
        }
        guard sessions.count < Self.maximumSessions else {
            drop("too many UDP sessions", peer: peer)
            return
        }
        let session = makeSession(connection: packet.connection, peer: peer)
        sessions[peer] = session
        session.receive(packet)
        dirty[ObjectIdentifier(session)] = session
    }

    private func makeSession(connection: UInt32, peer: SocketAddress) -> UDPLinkSession {
        let channel = self.channel
        let session = UDPLinkSession(
            connection: connection,
            remote: peer,
            loop: core.loop,
            logger: logger,
            transmit: { channel?.write(AddressedEnvelope(remoteAddress: peer, data: $0), promise: nil) },
            flushTransmit: { channel?.flush() }
        )
        session.onClose = { [weak self, weak session] in
            guard let self, let session, self.sessions[peer] === session else { return }
            self.sessions[peer] = nil
        }
        session.start(role: .listener, handshake: handshake, core: core, description: "udp-listener \(address)")
        return session
    }

    /// Tells the sender of a packet for a connection we do not have that it is gone.
    private func refuse(_ packet: UDPLinkPacket, to peer: SocketAddress) {
        if case .reset = packet { return }
        var buffer = ByteBufferAllocator().buffer(capacity: UDPLinkPacket.headerSize)
        UDPLinkPacket.reset(connection: packet.connection).encode(into: &buffer)
        channel?.writeAndFlush(AddressedEnvelope(remoteAddress: peer, data: buffer), promise: nil)
    }

    private func drop(_ why: String, peer: SocketAddress) {
        droppedDatagrams += 1
        if droppedDatagrams <= 10 || droppedDatagrams % 1000 == 0 {
            logger.warning("dropping a UDP datagram", metadata: ["reason": "\(why)", "remote": "\(peer)", "count": "\(droppedDatagrams)"])
        }
    }

    private func batchEnded() {
        let sessions = dirty.values
        dirty.removeAll()
        for s in sessions { s.pump() }
    }
}
