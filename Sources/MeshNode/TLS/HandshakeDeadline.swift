import NIOCore
import NIOTLS

/// Closes a connection whose handshake has not completed within a deadline (receptor gives
/// control-socket TLS clients 10 s), so half-open clients cannot hold sockets forever.
///
/// By default the TLS handshake ends it; with `endsWithTLSHandshake: false` only removing the
/// handler does (the WebSocket backends remove it once the HTTP upgrade is done).
final class HandshakeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let deadline: TimeAmount
    private let endsWithTLSHandshake: Bool
    private var timer: Scheduled<Void>?

    init(deadline: TimeAmount = .seconds(10), endsWithTLSHandshake: Bool = true) {
        self.deadline = deadline
        self.endsWithTLSHandshake = endsWithTLSHandshake
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
        if endsWithTLSHandshake, case .some(.handshakeCompleted) = event as? TLSUserEvent {
            timer?.cancel()
            timer = nil
        }
        context.fireUserInboundEventTriggered(event)
    }
}
