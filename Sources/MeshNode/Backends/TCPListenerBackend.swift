import Logging
import NIOCore
import NIOPosix

/// A `tcp-listener`: accepts links from neighbours.
final class TCPListenerBackend: LinkBackend {
    private let address: HostPort
    private let tls: TLSSetup?
    private let handshake: LinkHandshake
    private unowned let core: MeshCore
    private var serverChannel: (any Channel)?
    private let bindError: @Sendable (any Error) -> any Error

    /// - Parameter bindError: turns a bind failure into the error `start()` reports.
    init(
        address: HostPort,
        tls: TLSSetup?,
        handshake: LinkHandshake,
        core: MeshCore,
        bindError: @escaping @Sendable (any Error) -> any Error = { $0 }
    ) {
        self.bindError = bindError
        self.address = address
        self.tls = tls
        self.handshake = handshake
        self.core = core
    }

    /// Binds the port. The returned future fails if the address is in use.
    func start() -> EventLoopFuture<Void> {
        let loop = core.loop
        let coreBound = NIOLoopBound(core, eventLoop: loop)
        let tls = self.tls
        let handshake = self.handshake
        let description = "tcp-listener \(address)"
        let bound = NIOLoopBound(self, eventLoop: loop)
        return ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 128 << 10, high: 512 << 10))
            .childChannelInitializer { channel in
                do {
                    try LinkPipeline.configure(
                        channel: channel,
                        role: .listener,
                        tls: tls,
                        serverHostname: nil,
                        handshake: handshake,
                        core: coreBound.value,
                        backendDescription: description
                    )
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .bind(host: address.host, port: address.port)
            .map { channel in
                bound.value.serverChannel = channel
            }
            .flatMapErrorThrowing { [bindError] error in throw bindError(error) }
    }

    /// The bound port (useful when configured as 0).
    var boundPort: Int? { serverChannel?.localAddress?.port }

    func stop() {
        serverChannel?.close(promise: nil)
        serverChannel = nil
    }
}
