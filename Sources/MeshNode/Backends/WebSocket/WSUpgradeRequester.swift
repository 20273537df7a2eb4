import Logging
import NIOCore
import NIOHTTP1

/// The HTTP side of a `ws-peer`: sends the upgrade request once the connection is up, and closes
/// the connection when the server answers anything but a valid `101 Switching Protocols`.
///
/// NIO's client upgrade handler adds `Upgrade`, `Connection` and the `Sec-WebSocket-*` headers
/// to the request written here; this handler adds `Host` and the entry's `extraheader`. Removed
/// from the pipeline when the upgrade succeeds.
final class WSUpgradeRequester: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let url: WebSocketURL
    private let extraHeader: (name: String, value: String)?
    private let logger: Logger
    private var sent = false
    private var failed = false

    init(url: WebSocketURL, extraHeader: (name: String, value: String)?, logger: Logger) {
        self.url = url
        self.extraHeader = extraHeader
        self.logger = logger
    }

    /// The request head: `GET <target>` with `Host` and the extra header.
    static func requestHead(url: WebSocketURL, extraHeader: (name: String, value: String)?) -> HTTPRequestHead {
        var headers = HTTPHeaders([("Host", url.hostHeader)])
        if let extraHeader {
            headers.add(name: extraHeader.name, value: extraHeader.value)
        }
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target, headers: headers)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context: context)
        context.fireChannelActive()
    }

    private func sendRequest(context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        context.write(wrapOutboundOut(.head(Self.requestHead(url: url, extraHeader: extraHeader))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Only a refused upgrade reaches us: NIO's upgrade handler consumes a successful 101.
        guard case .head(let response) = unwrapInboundIn(data) else { return }
        refuse(context: context, reason: "server answered \(response.status.code) \(response.status.reasonPhrase)")
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        refuse(context: context, reason: "\(error)")
    }

    private func refuse(context: ChannelHandlerContext, reason: String) {
        if !failed {
            failed = true
            logger.warning("websocket upgrade failed", metadata: ["reason": "\(reason)"])
        }
        context.close(promise: nil)
    }
}
