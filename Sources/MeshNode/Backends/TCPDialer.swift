import Logging
import MeshProtocol
import NIOCore
import NIOPosix

/// A `tcp-peer`: dials a neighbour, keeps the link up, and redials with backoff when it drops.
final class TCPDialer: LinkBackend {
    private let address: HostPort
    private let tls: TLSSetup?
    private let handshake: LinkHandshake
    private unowned let core: MeshCore
    private let redialer: Redialer
    private var channel: (any Channel)?
    private var running = false
    private let logger: Logger

    init(address: HostPort, redial: Bool, tls: TLSSetup?, handshake: LinkHandshake, core: MeshCore) {
        self.address = address
        self.tls = tls
        self.handshake = handshake
        self.core = core
        var logger = core.logger
        logger[metadataKey: "peer-address"] = "\(address)"
        self.logger = logger
        self.redialer = Redialer(loop: core.loop, redial: redial, logger: logger)
    }

    func start() -> EventLoopFuture<Void> {
        running = true
        dial()
        return core.loop.makeSucceededVoidFuture()
    }

    var boundPort: Int? { nil }

    func stop() {
        running = false
        redialer.cancel()
        channel?.close(promise: nil)
        channel = nil
    }

    private func dial() {
        guard running else { return }
        let loop = core.loop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let coreBound = NIOLoopBound(core, eventLoop: loop)
        let tls = self.tls
        let handshake = self.handshake
        let description = "tcp-peer \(address)"
        let host = address.host
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: .init(low: 128 << 10, high: 512 << 10))
            .channelInitializer { channel in
                do {
                    try LinkPipeline.configure(
                        channel: channel,
                        role: .dialer,
                        tls: tls,
                        serverHostname: LinkPipeline.sniHost(host),
                        handshake: handshake,
                        core: coreBound.value,
                        backendDescription: description,
                        onEstablished: { bound.value.redialer.linkEstablished() }
                    )
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
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
                    me.channel = channel
                    channel.closeFuture.assumeIsolated().whenComplete { _ in
                        me.channel = nil
                        me.scheduleRedial(after: "link closed")
                    }
                case .failure(let error):
                    me.scheduleRedial(after: "dial failed: \(error)")
                }
            }
    }

    private func scheduleRedial(after reason: String) {
        guard running else { return }
        redialer.schedule(after: reason) { [weak self] in self?.dial() }
    }
}
