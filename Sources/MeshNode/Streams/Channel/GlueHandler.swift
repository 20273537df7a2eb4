import NIOCore

/// Joins two channels on one event loop into one pipe (a local socket and a mesh stream, a mesh
/// stream and a command's terminal, a control session handed over by `connect`): what one reads
/// the other writes.
///
/// - Backpressure: a side reads only while the other is writable (its `read()` is held back
///   otherwise), so a slow reader at one end slows the writer at the other, across the mesh.
/// - Half-close: one side's end of input (`ChannelEvent.inputClosed`) closes the other's output
///   once the bytes before it are written.
/// - Close: when one side goes inactive the other closes after its queued writes; when the mesh
///   reset a stream (``MeshStreamError``) the other side closes at once.
///
/// A glue goes into its pipeline when the channel is made (so nothing read before the other side
/// exists can pass it by) and is connected to its partner later with ``connect(_:_:)``. Until
/// then it lets reads through only until something arrives (a TLS handshake below it needs
/// reads; plaintext must not pile up): what arrives is held, in order with the end of input and
/// an early close, and handed over at the connection. That holds at most one read's worth.
final class GlueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Held {
        case data(ByteBuffer)
        case inputClosed
    }

    private var context: ChannelHandlerContext?
    private var partner: GlueHandler?
    private var connected = false
    private var held: [Held] = []
    /// The channel went inactive before the glue was connected.
    private var wentInactive = false
    private var pendingRead = false
    /// The mesh reset this side's stream: the partner closes without waiting for its writes.
    private var wasReset = false

    init() {}

    /// Connects two glues (in channels on the same event loop, called on it) and starts the flow.
    static func connect(_ a: GlueHandler, _ b: GlueHandler) {
        a.partner = b
        b.partner = a
        a.connected = true
        b.connected = true
        a.handOver()
        b.handOver()
    }

    /// Adds connected glues to two live channels (on the mesh event loop, called on it).
    static func join(_ a: any Channel, _ b: any Channel) throws {
        guard a.isActive, b.isActive else { throw ChannelError.ioOnClosedChannel }
        let (ga, gb) = (GlueHandler(), GlueHandler())
        try a.pipeline.syncOperations.addHandler(ga)
        try b.pipeline.syncOperations.addHandler(gb)
        connect(ga, gb)
    }

    // MARK: handler events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if connected {
            partner?.partnerWrite(buffer)
        } else {
            held.append(.data(buffer))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if connected { partner?.partnerFlush() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed {
            if connected {
                partner?.partnerCloseOutput()
            } else {
                held.append(.inputClosed)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if connected {
            let p = partner
            partner = nil
            p?.partnerClose(abruptly: wasReset)
        } else {
            wentInactive = true
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if TLSShutdown.isUnclean(error) { return }
        // The mesh reset the stream: the channel is closing already.
        if error is MeshStreamError {
            wasReset = true
            return
        }
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        let mayRead = connected ? (partner?.context?.channel.isWritable ?? false) : held.isEmpty
        if mayRead {
            context.read()
        } else {
            pendingRead = true
        }
    }

    // MARK: calls from the partner

    /// Hands the partner what was held, in order, then lets reads go.
    private func handOver() {
        let items = held
        held.removeAll()
        for item in items {
            switch item {
            case .data(let buffer): partner?.partnerWrite(buffer)
            case .inputClosed: partner?.partnerCloseOutput()
            }
        }
        if !items.isEmpty { partner?.partnerFlush() }
        if wentInactive {
            let p = partner
            partner = nil
            p?.partnerClose(abruptly: wasReset)
            return
        }
        if partner?.context?.channel.isWritable ?? false { resumeReading() }
    }

    private func resumeReading() {
        guard pendingRead, let context else { return }
        pendingRead = false
        context.read()
    }

    private func partnerWrite(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    private func partnerFlush() {
        context?.flush()
    }

    /// The partner's channel can take more: ours may read again.
    private func partnerBecameWritable() {
        resumeReading()
    }

    private func partnerCloseOutput() {
        context?.closeAfterPendingWrites(mode: .output)
    }

    private func partnerClose(abruptly: Bool) {
        partner = nil
        guard let context else { return }
        if abruptly {
            context.close(promise: nil)
        } else {
            context.closeAfterPendingWrites()
        }
    }
}
