import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves `GET /metrics` (Prometheus text format) on a local HTTP port. Opt-in (`metrics` entry).
final class MetricsServer {
    private let metrics: MeshMetrics
    private let host: String
    private let port: Int
    private var channel: (any Channel)?

    init(metrics: MeshMetrics, host: String, port: Int) {
        self.metrics = metrics
        self.host = host
        self.port = port
    }

    func start(on loop: any EventLoop) -> EventLoopFuture<Void> {
        let metrics = NIOLoopBound(self.metrics, eventLoop: loop)
        let bound = NIOLoopBound(self, eventLoop: loop)
        return ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(metrics: metrics.value))
                }
            }
            .bind(host: host, port: port)
            .map { bound.value.channel = $0 }
    }

    var boundPort: Int? { channel?.localAddress?.port }

    func stop() {
        channel?.close(promise: nil)
        channel = nil
    }
}

private final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private let metrics: MeshMetrics
    private var path = ""
    private var keepAlive = false

    init(metrics: MeshMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            let loop = context.eventLoop
            let rendered: EventLoopFuture<(HTTPResponseStatus, [UInt8])>
            if path == "/metrics" {
                // Values are read here, on the loop; the text is rendered on NIO's shared thread
                // pool, so a large exposition never holds up the links' heartbeats.
                let registry = metrics.update()
                rendered = NIOThreadPool.singleton.runIfActive(eventLoop: loop) { (.ok, registry.emitToBuffer()) }
                    .recover { _ in (.serviceUnavailable, Array("metrics unavailable: the daemon is stopping\n".utf8)) }
            } else {
                rendered = loop.makeSucceededFuture((.notFound, Array("not found; try /metrics\n".utf8)))
            }
            let keep = keepAlive
            // Pipelined requests still get answers in order: the HTTP pipeline's pipelining
            // handler holds the next request until this response's end is written.
            rendered.assumeIsolated().whenSuccess { status, body in
                Self.respond(context: context, status: status, body: body, keepAlive: keep)
            }
        }
    }

    private static func respond(context: ChannelHandlerContext, status: HTTPResponseStatus, body: [UInt8], keepAlive keep: Bool) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: status == .ok ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
        headers.add(name: "Content-Length", value: String(body.count))
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).assumeIsolated().whenComplete { _ in
            if !keep { context.close(promise: nil) }
        }
    }
}
