import MeshNode
import NIOCore

/// A client session with a remote node's control service over a mesh stream: read the greeting,
/// send command lines, read reply lines, send a payload and half-close, or take a raw byte stream
/// (`work results`). Callback based; everything on the mesh event loop. It is the last handler
/// of the stream's channel.
final class ControlClient: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?
    private var buffer = ByteBuffer()
    private var lineWaiters: [(Result<String, ControlClientError>) -> Void] = []
    private var rawSink: ((ByteBuffer) -> Void)?
    private var rawEnd: ((ControlClientError?) -> Void)?
    private var ended: ControlClientError?
    private var inputClosed = false
    private var writableWaiter: (() -> Void)?
    /// Why the stream ended abnormally, if the mesh said (a reset's reason).
    private var streamError: String?

    init() {}

    /// Dials `node`'s `control` service over `mesh` and checks its greeting names that node.
    static func connect(
        mesh: any MeshStreamOpener,
        node: String,
        tlsClient: String?,
        completion: @escaping (Result<ControlClient, ControlClientError>) -> Void
    ) {
        let client = ControlClient()
        mesh.openStream(
            to: node,
            service: "control",
            tlsClient: tlsClient,
            initializer: { channel in try channel.pipeline.syncOperations.addHandler(client) }
        ) { result in
            switch result {
            case .failure(let error):
                let text = "\(error)"
                // A failed TLS handshake will not fix itself by retrying (receptor fails the unit on
                // CRYPTO_ERROR too); anything else (no route, timeout, reset) is retried.
                completion(.failure(text.hasPrefix("TLS handshake failed") ? ControlClientError("TLS error connecting to remote service: \(text)") : ControlClientError(connection: text)))
            case .success:
                var answered = false
                // Receptor's remote-work client waits 5 s for the greeting. A plain client talking to
                // a TLS control service (or the reverse) never gets one: say so instead of hanging.
                let timer = mesh.eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) {
                    guard !answered else { return }
                    answered = true
                    client.close()
                    completion(
                        .failure(
                            ControlClientError(
                                "no greeting from the control service of \(node) within 5 s (TLS on one side only? use the tls-client that matches its control service)"
                            )
                        )
                    )
                }
                client.readLine { line in
                    guard !answered else { return }
                    answered = true
                    timer.cancel()
                    switch line {
                    case .success(let greeting) where greeting.contains(node) && greeting.hasPrefix("Receptor Control"):
                        completion(.success(client))
                    case .success(let greeting):
                        client.close()
                        completion(.failure(ControlClientError("unexpected greeting from \(node): \(greeting)")))
                    case .failure(let e):
                        completion(.failure(e))
                    }
                }
            }
        }
    }

    func send(_ line: String) {
        var b = ByteBuffer()
        b.writeString(line)
        b.writeInteger(UInt8(ascii: "\n"))
        context?.writeAndFlush(wrapOutboundOut(b), promise: nil)
    }

    /// Sends raw bytes; `completion` runs when more may be written (backpressure).
    func sendRaw(_ bytes: ByteBuffer, completion: @escaping () -> Void) {
        guard let context else {
            // The stream is gone; the sender learns it from the reply it then waits for.
            completion()
            return
        }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        if context.channel.isWritable {
            completion()
        } else {
            writableWaiter = completion
        }
    }

    func closeWrite() { context?.close(mode: .output, promise: nil) }

    func close() { context?.close(promise: nil) }

    /// Reads the next line (without its newline).
    func readLine(_ completion: @escaping (Result<String, ControlClientError>) -> Void) {
        lineWaiters.append(completion)
        deliverLines()
    }

    /// Sends `command` and reads one reply line.
    func command(_ command: String, _ completion: @escaping (Result<String, ControlClientError>) -> Void) {
        send(command)
        readLine(completion)
    }

    /// After a header line, takes every following byte until the other side closes.
    func readRaw(_ chunk: @escaping (ByteBuffer) -> Void, end: @escaping (ControlClientError?) -> Void) {
        rawSink = chunk
        rawEnd = end
        if buffer.readableBytes > 0 {
            let b = buffer
            buffer = ByteBuffer()
            chunk(b)
        }
        if inputClosed || ended != nil { finishRaw() }
    }

    private func deliverLines() {
        while !lineWaiters.isEmpty {
            let view = buffer.readableBytesView
            if let nl = view.firstIndex(of: UInt8(ascii: "\n")) {
                let length = nl - view.startIndex
                // The newline lies inside the readable bytes, so this read cannot come up short.
                let bytes = buffer.readBytes(length: length) ?? []
                buffer.moveReaderIndex(forwardBy: 1)
                let line = String(decoding: bytes.filter { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
                lineWaiters.removeFirst()(.success(line))
            } else if inputClosed || ended != nil {
                let error = ended ?? ControlClientError(connection: "connection closed by the remote control service")
                let waiters = lineWaiters
                lineWaiters.removeAll()
                waiters.forEach { $0(.failure(error)) }
            } else {
                return
            }
        }
    }

    private func finishRaw() {
        guard let end = rawEnd else { return }
        rawEnd = nil
        rawSink = nil
        end(inputClosed && ended == nil ? nil : ended)
    }

    // MARK: channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let incoming = unwrapInboundIn(data)
        if let sink = rawSink {
            sink(incoming)
            return
        }
        var b = incoming
        buffer.writeBuffer(&b)
        deliverLines()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let e = event as? ChannelEvent, e == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        inputClosed = true
        deliverLines()
        finishRaw()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if TLSShutdown.isUnclean(error) { return }
        if streamError == nil { streamError = "\(error)" }
        // A mesh reset closes the channel by itself; anything else ends the session here.
        if !(error is MeshStreamError) { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !inputClosed && ended == nil {
            ended = ControlClientError(connection: streamError ?? "stream closed")
        }
        deliverLines()
        finishRaw()
        if let w = writableWaiter {
            writableWaiter = nil
            w()
        }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let w = writableWaiter {
            writableWaiter = nil
            w()
        }
        context.fireChannelWritabilityChanged()
    }
}

/// A failure talking to a remote control service; `isConnection` marks "could not reach / lost it"
/// (retried) as opposed to an answer we did not like.
struct ControlClientError: Error, CustomStringConvertible {
    var description: String
    var isConnection: Bool

    init(_ d: String) {
        description = d
        isConnection = false
    }

    init(connection d: String) {
        description = d
        isConnection = true
    }
}
