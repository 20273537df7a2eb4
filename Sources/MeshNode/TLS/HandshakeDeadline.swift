import NIOCore
import NIOTLS

/// Closes a TLS connection whose handshake has not completed within a deadline (receptor gives
/// control-socket TLS clients 10 s), so half-open clients cannot hold sockets forever.
final class HandshakeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let deadline: TimeAmount
    private var timer: Scheduled<Void>?

    init(deadline: TimeAmount = .seconds(10)) {
        self.deadline = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: deadline) {
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.handshakeCompleted) = event as? TLSUserEvent {
            timer?.cancel()
            timer = nil
        }
        context.fireUserInboundEventTriggered(event)
    }
}
