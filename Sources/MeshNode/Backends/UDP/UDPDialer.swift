import Logging
import NIOCore
import NIOPosix

/// A `udp-peer`: a connected datagram socket carrying one ``UDPLinkSession`` to the listener,
/// redialled with the same backoff as TCP when the link ends. A connected socket also hears ICMP
/// "port unreachable", so a dial to a closed port fails at once instead of waiting for the hello
/// timeout.
final class UDPDialer: LinkBackend {
    private let address: HostPort
    private let handshake: LinkHandshake
    private unowned let core: MeshCore
    private let redialer: Redialer
    private var channel: (any Channel)?
    private var session: UDPLinkSession?
    private var running = false
    private let logger: Logger

    init(address: HostPort, redial: Bool, handshake: LinkHandshake, core: MeshCore) {
        self.address = address
        self.handshake = handshake
        self.core = core
        var logger = core.logger
        logger[metadataKey: "peer-address"] = "udp \(address)"
        self.logger = logger
        self.redialer = Redialer(loop: core.loop, redial: redial, logger: logger)
    }

    var boundPort: Int? { nil }

    func start() -> EventLoopFuture<Void> {
        running = true
        dial()
        return core.loop.makeSucceededVoidFuture()
    }

    func stop() {
        running = false
        redialer.cancel()
        session?.close(reason: "peer stopped")
        session = nil
        channel?.close(promise: nil)
        channel = nil
    }

    private func dial() {
        guard running else { return }
        let bound = NIOLoopBound(self, eventLoop: core.loop)
        // The host is resolved by getaddrinfo on the loop, as for TCP peers.
        DatagramBootstrap(group: core.loop)
            .udpLinkOptions()
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        UDPDatagramHandler(
                            onDatagram: { datagram, _ in bound.value.received(datagram) },
                            onBatchEnd: { bound.value.session?.pump() },
                            onError: { error in
                                bound.value.session?.close(reason: "socket error: \(error)", notifyPeer: false)
                            }
                        )
                    )
                }
            }
            .connect(host: address.host, port: address.port)
            .assumeIsolated()
            .whenComplete { result in
                let me = bound.value
                switch result {
                case .success(let channel):
                    guard me.running else {
                        channel.close(promise: nil)
                        return
                    }
                    me.connected(channel)
                case .failure(let error):
                    me.scheduleRedial(after: "dial failed: \(error)")
                }
            }
    }

    private func connected(_ channel: any Channel) {
        self.channel = channel
        let session = UDPLinkSession(
            connection: UInt32.random(in: 1...UInt32.max),
            remote: channel.remoteAddress!,
            loop: core.loop,
            logger: logger,
            transmit: { channel.write($0, promise: nil) },
            flushTransmit: { channel.flush() }
        )
        self.session = session
        session.onClose = { channel.close(promise: nil) }
        channel.closeFuture.assumeIsolated().whenComplete { [weak self] _ in
            guard let self else { return }
            self.session?.close(reason: "socket closed", notifyPeer: false)
            self.session = nil
            self.channel = nil
            self.scheduleRedial(after: "link closed")
        }
        session.start(
            role: .dialer,
            handshake: handshake,
            core: core,
            description: "udp-peer \(address)",
            onEstablished: { [weak self] in self?.redialer.linkEstablished() }
        )
    }

    private func received(_ datagram: ByteBuffer) {
        guard let session else { return }
        do {
            let packet = try UDPLinkPacket.decode(datagram)
            guard packet.connection == session.connection else { return }
            session.receive(packet)
        } catch {
            logger.warning("closing UDP link: malformed datagram", metadata: ["reason": "\(error)"])
            session.close(reason: "malformed datagram: \(error)")
        }
    }

    private func scheduleRedial(after reason: String) {
        guard running else { return }
        redialer.schedule(after: reason) { [weak self] in self?.dial() }
    }
}
