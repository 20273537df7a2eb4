import Logging
import NIOCore

/// Opens a tunnel through an HTTP proxy: sends `CONNECT host:port`, waits for a `2xx` answer, then
/// removes itself and lets `established` install the connection's real pipeline (TLS, the
/// WebSocket upgrade) on the tunnelled channel. Anything else from the proxy, or no answer
/// within ``timeout``, closes the connection (the dialler then redials with backoff).
final class HTTPConnectTunnel: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How long the proxy may take to open the tunnel.
    static let timeout: TimeAmount = .seconds(10)
    /// Largest response head accepted from the proxy.
    static let maximumHead = 16 << 10

    private let target: String
    private let authorization: String?
    private let established: (any Channel) throws -> Void
    private let logger: Logger
    private var response = ByteBuffer()
    private var sent = false
    private var done = false
    private var deadline: Scheduled<Void>?

    /// - Parameters:
    ///   - target: `host:port` to tunnel to (IPv6 in brackets).
    ///   - established: installs the rest of the pipeline once the tunnel is open.
    init(target: String, authorization: String?, logger: Logger, established: @escaping (any Channel) throws -> Void) {
        self.target = target
        self.authorization = authorization
        self.logger = logger
        self.established = established
    }

    /// The request sent to the proxy.
    static func request(target: String, authorization: String?) -> String {
        var text = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n"
        if let authorization { text += "Proxy-Authorization: \(authorization)\r\n" }
        return text + "\r\n"
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    private func sendRequest(context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: Self.timeout) {
            let (me, context) = bound.value
            me.fail(context: context, reason: "no answer within \(Self.timeout.nanoseconds / 1_000_000_000) s")
        }
        let text = Self.request(target: target, authorization: authorization)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        var bytes = unwrapInboundIn(data)
        response.writeBuffer(&bytes)
        guard let headEnd = response.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else {
            if response.readableBytes > Self.maximumHead { fail(context: context, reason: "answer head too long") }
            return
        }
        let headLength = headEnd.upperBound - response.readerIndex
        let head = response.readString(length: headLength) ?? ""
        let statusLine = head.prefix { $0 != "\r" }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]), (200..<300).contains(code) else {
            return fail(context: context, reason: "proxy refused the tunnel: \(statusLine)")
        }
        done = true
        deadline?.cancel()
        let leftover = response.readableBytes > 0 ? response : nil
        do {
            try established(context.channel)
        } catch {
            return fail(context: context, reason: "\(error)")
        }
        // The handlers just added sit after this one: hand them anything the proxy sent past its
        // answer, then step out.
        if let leftover { context.fireChannelRead(wrapInboundOut(leftover)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, reason: "\(error)")
    }

    private func fail(context: ChannelHandlerContext, reason: String) {
        guard !done else { return }
        done = true
        deadline?.cancel()
        logger.warning("HTTP proxy tunnel failed", metadata: ["target": "\(target)", "reason": "\(reason)"])
        context.close(promise: nil)
    }
}
