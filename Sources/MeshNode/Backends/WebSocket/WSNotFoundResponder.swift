import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The HTTP side of a `ws-listener`: every request that is not a WebSocket upgrade on the
/// listener's path gets `404 Not Found` and the connection is closed.
///
/// Sits after NIO's `HTTPServerUpgradeHandler`, which passes on the requests it does not upgrade.
/// Removed from the pipeline when an upgrade succeeds.
final class WSNotFoundResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var responded = false

    init() {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head = unwrapInboundIn(data), !responded else { return }
        responded = true
        let body = context.channel.allocator.buffer(string: "not found\n")
        let head = HTTPResponseHead(
            version: .http1_1,
            status: .notFound,
            headers: [
                "Content-Type": "text/plain",
                "Content-Length": "\(body.readableBytes)",
                "Connection": "close",
            ]
        )
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A refused upgrade (wrong path, bad WebSocket headers) is reported just before its
        // request is passed on; that request gets the 404. Anything else ends the connection.
        if error is NIOWebSocketUpgradeError { return }
        context.close(promise: nil)
    }
}
