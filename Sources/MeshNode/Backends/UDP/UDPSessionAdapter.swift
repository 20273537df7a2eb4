import NIOCore

/// The handler on the session's end of the socket pair: what the link writes goes to the
/// ``UDPLinkSession``; reads are held back while the session's send buffer is full.
final class UDPSessionAdapter: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private weak var session: UDPLinkSession?

    init(session: UDPLinkSession) {
        self.session = session
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        session?.linkWrote(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        session?.pump()
    }

    func channelInactive(context: ChannelHandlerContext) {
        session?.close(reason: "link closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        session?.close(reason: "link side failed: \(error)")
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        guard let session, !session.acceptsMoreFromLink else {
            context.read()
            return
        }
        session.pauseReading()
    }
}
