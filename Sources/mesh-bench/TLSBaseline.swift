import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// One direct mutual-TLS connection over loopback with the same TLS stack (NIO + NIOSSL), each end on
/// its own event loop thread: the ceiling a mesh link could reach.
enum TLSBaseline {
    final class Sink: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let target: Int
        var received = 0
        let done: EventLoopPromise<Void>
        init(target: Int, done: EventLoopPromise<Void>) {
            self.target = target
            self.done = done
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += unwrapInboundIn(data).readableBytes
            if received >= target { done.succeed(()) }
        }
    }

    final class Source: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let chunk: ByteBuffer
        var remaining: Int
        init(total: Int, chunkSize: Int) {
            var b = ByteBuffer()
            b.writeBytes((0..<chunkSize).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            chunk = b
            remaining = total
        }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .some(.handshakeCompleted) = event as? TLSUserEvent { pump(context) }
            context.fireUserInboundEventTriggered(event)
        }
        func channelWritabilityChanged(context: ChannelHandlerContext) { pump(context) }
        func pump(_ context: ChannelHandlerContext) {
            while remaining > 0 && context.channel.isWritable {
                context.write(wrapOutboundOut(chunk), promise: nil)
                remaining -= chunk.readableBytes
            }
            context.flush()
        }
    }

    /// Returns MB/s for `bytes` sent over one TLS connection.
    static func measure(bytes: Int, certs: String) throws -> Double {
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer {
            // Best effort: the measurement is taken; a failed shutdown of the benchmark's own loops changes nothing.
            try? serverGroup.syncShutdownGracefully()
            try? clientGroup.syncShutdownGracefully()  // as above
        }
        let ca = try NIOSSLCertificate.fromPEMFile(certs + "/ca.crt")
        var serverTLS = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certs + "/n0.crt").map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certs + "/n0.key", format: .pem))
        )
        serverTLS.trustRoots = .certificates(ca)
        serverTLS.certificateVerification = .noHostnameVerification
        var clientTLS = TLSConfiguration.makeClientConfiguration()
        clientTLS.certificateChain = try NIOSSLCertificate.fromPEMFile(certs + "/n1.crt").map { .certificate($0) }
        clientTLS.privateKey = .privateKey(try NIOSSLPrivateKey(file: certs + "/n1.key", format: .pem))
        clientTLS.trustRoots = .certificates(ca)
        clientTLS.certificateVerification = .noHostnameVerification
        let serverContext = try NIOSSLContext(configuration: serverTLS)
        let clientContext = try NIOSSLContext(configuration: clientTLS)
        let done = serverGroup.next().makePromise(of: Void.self)
        let server = try ServerBootstrap(group: serverGroup)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: serverContext))
                    try ch.pipeline.syncOperations.addHandler(Sink(target: bytes, done: done))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        let start = Date()
        let client = try ClientBootstrap(group: clientGroup)
            .channelOption(.writeBufferWaterMark, value: .init(low: 256 << 10, high: 1 << 20))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: clientContext, serverHostname: nil))
                    try ch.pipeline.syncOperations.addHandler(Source(total: bytes, chunkSize: 64 << 10))
                }
            }
            .connect(to: server.localAddress!).wait()
        try done.futureResult.wait()
        let seconds = Date().timeIntervalSince(start)
        try client.close().wait()
        try server.close().wait()
        return Double(bytes) / seconds / 1_000_000
    }
}
