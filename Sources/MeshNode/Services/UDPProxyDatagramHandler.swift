import NIOCore
import NIOPosix

/// The receiving end of a UDP proxy socket: hands each datagram read to a callback, and the
/// socket errors NIO reports without closing the channel (an ICMP "port unreachable" as
/// `ECONNREFUSED` on a connected socket) to another.
final class UDPProxyDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    /// The receive buffer size: the largest UDP payload (65 507 bytes over IPv4) fits, so no
    /// datagram is cut short.
    static let receiveBufferSize = 65536

    private let onRead: (AddressedEnvelope<ByteBuffer>) -> Void
    private let onError: (any Error) -> Void

    /// Creates a handler.
    /// - Parameters:
    ///   - onRead: Called with each datagram (its buffer trimmed to its size).
    ///   - onError: Called with each non-fatal socket error.
    init(onRead: @escaping (AddressedEnvelope<ByteBuffer>) -> Void, onError: @escaping (any Error) -> Void) {
        self.onRead = onRead
        self.onError = onError
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = unwrapInboundIn(data)
        envelope.data = Self.trimmed(envelope.data)
        onRead(envelope)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        onError(error)
    }

    /// A datagram arrives in a 64 KiB receive buffer. A small one is copied into a buffer of its
    /// own size before it waits in link queues, which count readable bytes, not capacity.
    static func trimmed(_ buffer: ByteBuffer) -> ByteBuffer {
        guard buffer.capacity - buffer.readableBytes > 8192 else { return buffer }
        var copy = ByteBufferAllocator().buffer(capacity: buffer.readableBytes)
        copy.writeImmutableBuffer(buffer)
        return copy
    }

    /// A bootstrap for a proxy socket on `loop`: receive buffers large enough for any datagram,
    /// and this handler in the pipeline.
    static func bootstrap(
        on loop: any EventLoop,
        makeHandler: @escaping @Sendable () -> UDPProxyDatagramHandler
    ) -> DatagramBootstrap {
        DatagramBootstrap(group: loop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: receiveBufferSize))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(makeHandler())
                }
            }
    }
}
