import NIOCore

/// Runs `onActive` once the channel is active (at once if it already is).
final class ActivationHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private var onActive: (() -> Void)?

    init(onActive: @escaping () -> Void) {
        self.onActive = onActive
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { fire() }
    }

    func channelActive(context: ChannelHandlerContext) {
        fire()
        context.fireChannelActive()
    }

    private func fire() {
        let f = onActive
        onActive = nil
        f?()
    }
}
