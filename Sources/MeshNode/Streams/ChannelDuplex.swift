import MeshStreams
import NIOCore
import NIOSSL

/// Presents a NIO channel (unix, TCP or TLS socket) as a ``ByteDuplex``.
///
/// Backpressure: while reading is paused the handler holds back `read()` calls, so the kernel
/// buffers fill and the remote writer slows down. Half-close: needs the channel option
/// `allowRemoteHalfClosure`; an `inputClosed` event becomes ``ByteDuplexDelegate/duplexInputClosed()``.
///
/// The data contract is ``InboundQueue``'s: every byte the channel delivered reaches the delegate
/// exactly once, in order, and only while reading is enabled; input-closed follows the last
/// byte; closed comes last. NIO still delivers reads while we hold back `read()` (it drains the
/// socket on EOF), and such bytes are held. When the connection closes while bytes are held, the
/// close waits until the delegate resumes reading and takes them: handing them to a paused
/// delegate would break delegates that pause while a write is in flight, and dropping them cut
/// the tail off streams. With nothing held, the close is reported at once, paused or not, so a
/// delegate that never resumes cannot keep a dead connection around. (The delegate's own
/// timeouts, such as a mesh stream's no-progress reset, bound how long held bytes can wait.)
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
    private var inbound = InboundQueue()
    /// The delegate closed us, or the channel went inactive: nothing more is written.
    private var closed = false
    private var flushScheduled = false

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let d = duplexDelegate, reading, inbound.isEmpty, !inbound.isFinished {
            d.duplexReceived(buffer)  // the common case, without a trip through the queue
        } else {
            inbound.append(buffer)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed {
            inbound.receiveEnd()
            deliverPending()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        inbound.receiveTransportGone()
        deliverPending()
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
        // The delegate closes: it wants nothing more, so held bytes and a pending close go.
        inbound.discard()
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

    /// Hands the delegate what ``InboundQueue`` allows now (it may pause or close us meanwhile).
    private func deliverPending() {
        while let d = duplexDelegate, let event = inbound.next(reading: reading) {
            switch event {
            case .data(let buffer): d.duplexReceived(buffer)
            case .inputClosed: d.duplexInputClosed()
            case .closed: d.duplexClosed(error: nil)
            }
        }
    }
}
