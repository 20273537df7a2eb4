import NIOConcurrencyHelpers
import NIOCore

/// A mesh stream as a NIO `Channel`: what proxies, the control service, remote work and results
/// streaming use, with NIO's standard contract instead of a hand-made one.
///
/// - **Reads** happen only on `read()`: each `read()` hands the pipeline what the stream holds
///   (one turn of `channelRead`s, then `channelReadComplete`), or the next bytes to arrive. While
///   nobody reads, bytes stay in the stream's ``InboundQueue`` and the peer's window stops it:
///   backpressure reaches the writer across the mesh. With `autoRead` (the default) the channel
///   reads again after each turn, as socket channels do; a handler that holds back `read()` (a
///   glue, NIOSSL) holds the stream back.
/// - **Writes** are handed to the stream on `flush()`; their promises succeed once the stream has
///   taken the bytes (it keeps them until the peer acknowledges them). `isWritable` is the
///   stream's: false while a window of bytes waits.
/// - **Half-close**: the peer's end of input fires `ChannelEvent.inputClosed` when
///   `allowRemoteHalfClosure` is set (otherwise the channel closes, as sockets do);
///   `close(mode: .output)` sends our end after the queued bytes.
/// - **Close**: `close()` ends our side gracefully (the stream lingers in the ``StreamManager``
///   until the peer finishes, discarding what still arrives); ``MeshStreamReset`` as an outbound
///   user event resets it with a reason. A reset or failure from the mesh fires
///   ``MeshStreamError`` into the pipeline, then the channel goes inactive. A stream that finishes
///   both ways (ends sent and acknowledged, end of input read) closes the channel by itself.
///
/// `parent` is nil, where the architecture speaks of a "child channel": a stream is not the child
/// of one link. It is end to end, survives the loss of a hop and moves to whichever link the route
/// takes next; what owns it is the node's ``StreamManager``.
///
/// The channel lives on the mesh event loop; `isActive` and `isWritable` may be read from any
/// thread, everything else is confined to the loop (hence `@unchecked Sendable`, as NIO's own
/// channels are).
final class MeshStreamChannel: Channel, ChannelCore, @unchecked Sendable {
    enum State {
        /// Created; handlers are being added.
        case idle
        case active
        case closed
    }

    let eventLoop: any EventLoop
    let allocator = ByteBufferAllocator()
    /// The node at the other end.
    let remoteNode: String
    let stream: MeshStream
    // Set once at the end of `init` (a pipeline needs its channel): never nil afterwards.
    private var _pipeline: ChannelPipeline!
    private let closePromise: EventLoopPromise<Void>
    private let activeBox = NIOLockedValueBox(false)
    private let writableBox = NIOLockedValueBox(true)

    private(set) var state = State.idle
    var autoRead = true
    var allowRemoteHalfClosure = false
    /// A `read()` is outstanding: the stream reads until the next turn of deliveries.
    private var readRequested = false
    private var deliveredThisTurn = false
    private var outputClosed = false
    private var unflushed: [(ByteBuffer, EventLoopPromise<Void>?)] = []

    init(stream: MeshStream, remoteNode: String, eventLoop: any EventLoop) {
        self.stream = stream
        self.remoteNode = remoteNode
        self.eventLoop = eventLoop
        self.closePromise = eventLoop.makePromise()
        self._pipeline = ChannelPipeline(channel: self)
    }

    /// Makes a channel for `stream`: runs `initializer` (which adds handlers and may set options)
    /// on the new channel, then makes it active and starts reading when `autoRead` is set. A
    /// failing initializer resets the stream with the error.
    static func start(
        _ stream: MeshStream,
        eventLoop: any EventLoop,
        initializer: (MeshStreamChannel) throws -> Void
    ) -> Result<MeshStreamChannel, any Error> {
        let channel = MeshStreamChannel(stream: stream, remoteNode: stream.key.remoteNode, eventLoop: eventLoop)
        channel.pipeline.fireChannelRegistered()
        do {
            try initializer(channel)
        } catch {
            stream.close(error: "stream setup failed: \(error)")
            channel.tearDown(promise: nil)
            return .failure(error)
        }
        channel.activate()
        return .success(channel)
    }

    private func activate() {
        guard state == .idle else { return }
        guard stream.phase != .closed else {
            // The stream ended before anyone could use it.
            pipeline.fireErrorCaught(MeshStreamError(message: "stream closed"))
            tearDown(promise: nil)
            return
        }
        state = .active
        activeBox.withLockedValue { $0 = true }
        writableBox.withLockedValue { $0 = stream.isWritable }
        // The stream hands over bytes only on read(), not before.
        stream.setReading(false)
        stream.delegate = self
        pipeline.fireChannelActive()
        if autoRead, state == .active { pipeline.read() }
    }

    // MARK: Channel

    var pipeline: ChannelPipeline { _pipeline }
    var closeFuture: EventLoopFuture<Void> { closePromise.futureResult }
    var localAddress: SocketAddress? { nil }
    var remoteAddress: SocketAddress? { nil }
    var parent: (any Channel)? { nil }
    var isWritable: Bool { writableBox.withLockedValue { $0 } }
    var isActive: Bool { activeBox.withLockedValue { $0 } }
    var _channelCore: any ChannelCore { self }

    // MARK: ChannelCore

    func localAddress0() throws -> SocketAddress { throw ChannelError.operationUnsupported }
    func remoteAddress0() throws -> SocketAddress { throw ChannelError.operationUnsupported }

    func register0(promise: EventLoopPromise<Void>?) {
        promise?.fail(ChannelError.operationUnsupported)
    }

    func registerAlreadyConfigured0(promise: EventLoopPromise<Void>?) {
        promise?.fail(ChannelError.operationUnsupported)
    }

    func bind0(to: SocketAddress, promise: EventLoopPromise<Void>?) {
        promise?.fail(ChannelError.operationUnsupported)
    }

    func connect0(to: SocketAddress, promise: EventLoopPromise<Void>?) {
        promise?.fail(ChannelError.operationUnsupported)
    }

    func write0(_ data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard state != .closed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        guard !outputClosed else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        guard let buffer = tryUnwrapData(data, as: ByteBuffer.self) else {
            promise?.fail(ChannelError.operationUnsupported)
            return
        }
        unflushed.append((buffer, promise))
    }

    func flush0() {
        guard state == .active else { return }
        let writes = unflushed
        unflushed.removeAll()
        for (buffer, promise) in writes {
            if buffer.readableBytes > 0 { stream.write(buffer) }
            promise?.succeed()
        }
    }

    func read0() {
        guard state == .active, !readRequested else { return }
        readRequested = true
        stream.setReading(true)
    }

    func close0(error: any Error, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch mode {
        case .input:
            promise?.fail(ChannelError.operationUnsupported)
        case .output:
            guard state == .active, !outputClosed else {
                promise?.fail(state == .closed ? ChannelError.alreadyClosed : ChannelError.outputClosed)
                return
            }
            flush0()
            outputClosed = true
            stream.closeWrite()
            promise?.succeed()
            pipeline.fireUserInboundEventTriggered(ChannelEvent.outputClosed)
        case .all:
            guard state != .closed else {
                promise?.fail(ChannelError.alreadyClosed)
                return
            }
            // Writes not yet flushed fail, as on a socket; flushed ones are already the stream's.
            failUnflushed(error)
            detach()
            stream.close(error: nil)
            tearDown(promise: promise)
        }
    }

    func triggerUserOutboundEvent0(_ event: Any, promise: EventLoopPromise<Void>?) {
        guard let reset = event as? MeshStreamReset else {
            promise?.fail(ChannelError.operationUnsupported)
            return
        }
        guard state != .closed else {
            promise?.fail(ChannelError.alreadyClosed)
            return
        }
        failUnflushed(ChannelError.ioOnClosedChannel)
        detach()
        stream.close(error: reset.reason)
        tearDown(promise: promise)
    }

    func channelRead0(_ data: NIOAny) {
        // Bytes no handler took: nobody wants them.
    }

    func errorCaught0(error: any Error) {
        // An error no handler took; the handlers that care close the channel themselves.
    }

    // MARK: closing

    private func failUnflushed(_ error: any Error) {
        let writes = unflushed
        unflushed.removeAll()
        for (_, promise) in writes { promise?.fail(error) }
    }

    /// Stops hearing from the stream (it may go on without us: a graceful close lingers).
    private func detach() {
        if stream.delegate === self { stream.delegate = nil }
    }

    /// Inactive, unregistered, handlers removed, `closeFuture` done.
    private func tearDown(promise: EventLoopPromise<Void>?) {
        guard state != .closed else {
            promise?.succeed()
            return
        }
        let wasActive = state == .active
        state = .closed
        activeBox.withLockedValue { $0 = false }
        writableBox.withLockedValue { $0 = false }
        failUnflushed(ChannelError.ioOnClosedChannel)
        promise?.succeed()
        if wasActive { pipeline.fireChannelInactive() }
        pipeline.fireChannelUnregistered()
        // As NIO's channels do, handlers go (and the channel-pipeline cycle ends) on the next tick.
        eventLoop.assumeIsolated().execute {
            self.removeHandlers(pipeline: self.pipeline)
            self.closePromise.succeed()
        }
    }
}

// MARK: - the stream's events

extension MeshStreamChannel: MeshStreamDelegate {
    func streamReceived(_ buffer: ByteBuffer) {
        guard state == .active else { return }
        deliveredThisTurn = true
        pipeline.syncOperations.fireChannelRead(NIOAny(buffer))
    }

    func streamReadBatchEnded() {
        guard state == .active, deliveredThisTurn else { return }
        deliveredThisTurn = false
        // The read is satisfied: hold the rest until the next `read()`.
        readRequested = false
        stream.setReading(false)
        pipeline.fireChannelReadComplete()
        if autoRead, state == .active { pipeline.read() }
    }

    func streamInputClosed() {
        guard state == .active else { return }
        if deliveredThisTurn {
            deliveredThisTurn = false
            pipeline.fireChannelReadComplete()
        }
        guard state == .active else { return }
        if allowRemoteHalfClosure {
            pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        } else {
            close(promise: nil)
        }
    }

    func streamClosed(error: String?) {
        guard state != .closed else { return }
        if let error { pipeline.fireErrorCaught(MeshStreamError(message: error)) }
        tearDown(promise: nil)
    }

    func streamWritabilityChanged(_ writable: Bool) {
        guard state == .active else { return }
        writableBox.withLockedValue { $0 = writable }
        pipeline.fireChannelWritabilityChanged()
    }
}

/// Resets a ``MeshStreamChannel``'s stream with `reason` (the peer sees it as the stream's
/// error), instead of the graceful end that `close()` sends. Trigger it as an outbound user event.
struct MeshStreamReset: Sendable {
    var reason: String
}
