import NIOCore
import NIOSSL

/// Presents a NIO channel (unix, TCP or TLS socket) as a ``ByteDuplex``.
///
/// Backpressure: while reading is paused the handler holds back `read()` calls, so the kernel
/// buffers fill and the remote writer slows down. Half-close: needs the channel option
/// `allowRemoteHalfClosure`; an `inputClosed` event becomes ``ByteDuplexDelegate/duplexInputClosed()``.
final class ChannelDuplex: ChannelDuplexHandler, ByteDuplex, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    weak var duplexDelegate: (any ByteDuplexDelegate)? {
        didSet { deliverPending() }
    }
    private var context: ChannelHandlerContext?
    private var reading = true
    private var readPending = false
    private var pendingInbound: [ByteBuffer] = []
    private var pendingInputClosed = false
    private var inputClosedDelivered = false
    private var closed = false
    private var flushScheduled = false

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let d = duplexDelegate, reading, pendingInbound.isEmpty {
            d.duplexReceived(buffer)
        } else {
            pendingInbound.append(buffer)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed {
            pendingInputClosed = true
            deliverPending()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pendingInputClosed = true
        deliverPending()
        if !closed {
            closed = true
            duplexDelegate?.duplexClosed(error: nil)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // An unclean TLS shutdown (TCP FIN without close_notify) is an ordinary EOF for us,
        // as it is for Go's TLS stack and the Python client that sends it; the input-closed event follows.
        if let tlsError = error as? NIOSSLError, case .uncleanShutdown = tlsError { return }
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        duplexDelegate?.duplexWritabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if reading {
            context.read()
        } else {
            readPending = true
        }
    }

    // MARK: ByteDuplex

    func write(_ buffer: ByteBuffer) {
        guard let context, !closed else { return }
        context.write(wrapOutboundOut(buffer), promise: nil)
        guard !flushScheduled else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute { [weak self] in
            guard let self else { return }
            self.flushScheduled = false
            self.context?.flush()
        }
    }

    func closeWrite() {
        guard let context, !closed else { return }
        afterPendingWrites(context) { context.close(mode: .output, promise: nil) }
    }

    func close(error: String?) {
        guard let context, !closed else { return }
        closed = true
        guard error == nil else {
            context.flush()
            context.close(promise: nil)
            return
        }
        // Close only once every queued byte is on the wire: NIO fails writes still pending at a
        // close, and turns an output shutdown into a full close once the peer has half-closed.
        afterPendingWrites(context) { context.close(promise: nil) }
    }

    /// Runs `body` when every write issued so far has completed (write promises complete in order).
    private func afterPendingWrites(_ context: ChannelHandlerContext, _ body: @escaping () -> Void) {
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: promise)
        promise.futureResult.assumeIsolated().whenComplete { _ in body() }
    }

    func setReading(_ reading: Bool) {
        self.reading = reading
        guard reading else { return }
        deliverPending()
        if readPending, let context {
            readPending = false
            context.read()
        }
    }

    private func deliverPending() {
        guard let d = duplexDelegate else { return }
        while reading, !pendingInbound.isEmpty {
            d.duplexReceived(pendingInbound.removeFirst())
        }
        if reading, pendingInbound.isEmpty, pendingInputClosed, !inputClosedDelivered {
            inputClosedDelivered = true
            d.duplexInputClosed()
        }
    }
}
