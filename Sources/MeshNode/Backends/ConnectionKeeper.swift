import Logging
import NIOCore
import NIOPosix

/// Keeps one outgoing TCP connection of a dialling backend up: connects (10 s timeout,
/// `TCP_NODELAY`, the link write-buffer marks), lets the backend install its pipeline, and when
/// the connection fails or closes dials again through a ``Redialer``. `tcp-peer` and `ws-peer`
/// differ only in the pipeline they install (``TCPDialer``, ``WSDialer``).
final class ConnectionKeeper: LinkBackend {
    /// Installs a new connection's handlers; `established` is to be called once its link is up
    /// (it resets the redial backoff).
    typealias Configure = @Sendable (_ channel: any Channel, _ established: @escaping @Sendable () -> Void) throws -> Void

    private let host: String
    private let port: Int
    private let loop: any EventLoop
    private let redialer: Redialer
    private let configure: Configure
    private var channel: (any Channel)?
    private var running = false

    init(host: String, port: Int, loop: any EventLoop, redialer: Redialer, configure: @escaping Configure) {
        self.host = host
        self.port = port
        self.loop = loop
        self.redialer = redialer
        self.configure = configure
    }

    var boundPort: Int? { nil }

    func start() -> EventLoopFuture<Void> {
        running = true
        dial()
        return loop.makeSucceededVoidFuture()
    }

    func stop() {
        running = false
        redialer.cancel()
        channel?.close(promise: nil)
        channel = nil
    }

    private func dial() {
        guard running else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        let redialerBound = NIOLoopBound(redialer, eventLoop: loop)
        let established: @Sendable () -> Void = { redialerBound.value.linkEstablished() }
        let configure = self.configure
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: .init(low: 128 << 10, high: 512 << 10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try configure(channel, established) }
            }
            .connect(host: host, port: port)
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
