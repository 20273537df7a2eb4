import NIOCore

/// Hands datagrams of a UDP backend's socket to its owner, with a call at the end of each read
/// batch (acks and data are sent once per batch, not once per datagram).
final class UDPDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let onDatagram: (ByteBuffer, SocketAddress) -> Void
    private let onBatchEnd: () -> Void
    private let onError: (any Error) -> Void

    init(
        onDatagram: @escaping (ByteBuffer, SocketAddress) -> Void,
        onBatchEnd: @escaping () -> Void,
        onError: @escaping (any Error) -> Void
    ) {
        self.onDatagram = onDatagram
        self.onBatchEnd = onBatchEnd
        self.onError = onError
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        onDatagram(envelope.data, envelope.remoteAddress)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        onBatchEnd()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        onError(error)
    }
}
