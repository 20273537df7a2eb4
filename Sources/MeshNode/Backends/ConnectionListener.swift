import NIOCore
import NIOPosix

/// Accepts the TCP connections of a listening backend (`SO_REUSEADDR`, `TCP_NODELAY`, the link
/// write-buffer marks) and lets it install each connection's pipeline. `tcp-listener` and
/// `ws-listener` differ only in that pipeline (``TCPListenerBackend``, ``WSListenerBackend``); the
/// counterpart for dialling is ``ConnectionKeeper``.
final class ConnectionListener: LinkBackend {
    /// Installs an accepted connection's handlers.
    typealias Configure = @Sendable (_ channel: any Channel) throws -> Void

    private let address: HostPort
    private let loop: any EventLoop
    private let bindError: @Sendable (any Error) -> any Error
    private let configure: Configure
    private var serverChannel: (any Channel)?

    /// - Parameter bindError: turns a bind failure into the error `start()` reports.
    init(address: HostPort, loop: any EventLoop, bindError: @escaping @Sendable (any Error) -> any Error, configure: @escaping Configure) {
        self.address = address
        self.loop = loop
        self.bindError = bindError
        self.configure = configure
    }

    /// Binds the port. The returned future fails if the address is in use.
    func start() -> EventLoopFuture<Void> {
        let bound = NIOLoopBound(self, eventLoop: loop)
        let configure = self.configure
        return ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 128 << 10, high: 512 << 10))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try configure(channel) }
            }
            .bind(host: address.host, port: address.port)
            .map { channel in bound.value.serverChannel = channel }
            .flatMapErrorThrowing { [bindError] error in throw bindError(error) }
    }

    /// The bound port (useful when configured as 0).
    var boundPort: Int? { serverChannel?.localAddress?.port }

    func stop() {
        serverChannel?.close(promise: nil)
        serverChannel = nil
    }
}
