import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// TLS settings for `tls://` control sockets, from the global options or a config's `tls-client`.
struct TLSSettings: Equatable {
    var rootCAs: String?
    var key: String?
    var cert: String?
    var insecureSkipVerify = false
}

/// `tls://` control sockets with the project's TLS stack (NIO + NIOSSL): the TLS connection runs on
/// a background event loop and is glued to one end of a local socket pair; the client reads and
/// writes the other end as a plain descriptor, so every command works the same over TLS.
///
/// Verification is Python's `ssl.create_default_context(cafile=rootcas)`: the chain always, the
/// host name or IP unless `insecureskipverify`; a client certificate when key and cert are given.
enum TLSProxy {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    /// The TLS error that ended the connection, if any (reported instead of a bare EOF).
    static let lastError = NIOLockedValueBox<String?>(nil)

    /// BoringSSL's reason in readable form (`TLSV1_ALERT_CERTIFICATE_REQUIRED` becomes
    /// `tlsv1 alert certificate required`, as OpenSSL words it for Python), else the error itself.
    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        guard let range = text.range(of: "OPENSSL_internal:") else { return text }
        let reason = text[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        return reason.lowercased().replacingOccurrences(of: "_", with: " ")
    }

    /// Connects and completes the handshake; returns the plaintext descriptor.
    static func open(host: String, port: Int, settings: TLSSettings) throws -> Int32 {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let ca = settings.rootCAs { tls.trustRoots = .file(ca) }
        tls.certificateVerification = settings.insecureSkipVerify ? .noHostnameVerification : .fullVerification
        if let cert = settings.cert, let key = settings.key, !cert.isEmpty, !key.isEmpty {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        let context = try NIOSSLContext(configuration: tls)
        let isIP = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        let loop = group.next()
        let handshake = loop.makePromise(of: Void.self)
        // Both glue handlers are in place from the start, so nothing that arrives before the two
        // sides are joined (the server's greeting) is lost: it waits in the glue.
        let (remoteGlue, localGlue) = try loop.submit {
            (NIOLoopBound(Glue(), eventLoop: loop), NIOLoopBound(Glue(), eventLoop: loop))
        }.wait()
        let remote = try ClientBootstrap(group: loop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connectTimeout(.seconds(15))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try NIOSSLClientHandler(context: context, serverHostname: isIP ? nil : host)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(promise: handshake))
                    try channel.pipeline.syncOperations.addHandler(remoteGlue.value)
                }
            }
            .connect(host: host, port: port).wait()
        do {
            try handshake.futureResult.wait()
        } catch {
            // As Python: a failed handshake makes the address fail, "Could not connect to host ...".
            remote.close(promise: nil)
            throw ClientError("Could not connect to host \(host) port \(port)")
        }
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
            remote.close(promise: nil)
            throw ClientError("socketpair: \(String(cString: strerror(errno)))")
        }
        _ = try ClientBootstrap(group: loop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(localGlue.value) }
            }
            .withConnectedSocket(fds[0]).wait()
        try loop.submit {
            Glue.join(localGlue.value, remoteGlue.value)
        }.wait()
        return fds[1]
    }
}

/// Completes when the TLS handshake does (or fails when the connection dies first).
private final class HandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private var promise: EventLoopPromise<Void>?

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.handshakeCompleted) = event as? TLSUserEvent {
            promise?.succeed(())
            promise = nil
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise?.fail(error)
        promise = nil
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise?.fail(ClientError("connection closed during the TLS handshake"))
        promise = nil
        context.fireChannelInactive()
    }
}

/// Copies bytes between two channels on one loop, with backpressure (reads are held while the
/// partner cannot take more) and half-close passed on.
private final class Glue: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    var partner: Glue?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    /// What arrived before the partner was joined.
    private var early: [NIOAny] = []
    private var earlyInputClosed = false
    private var earlyClosed = false

    static func join(_ a: Glue, _ b: Glue) {
        a.partner = b
        b.partner = a
        a.drainEarly()
        b.drainEarly()
    }

    private func drainEarly() {
        guard let partner else { return }
        for data in early { partner.partnerWrite(data) }
        early.removeAll()
        partner.context?.flush()
        if earlyInputClosed { partner.context?.close(mode: .output, promise: nil) }
        if earlyClosed { partner.context?.close(promise: nil) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    private var isWritable: Bool { context?.channel.isWritable ?? false }

    private func partnerWrite(_ data: NIOAny) {
        context?.write(data, promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let partner { partner.partnerWrite(data) } else { early.append(data) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.context?.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed {
            if let partner { partner.context?.close(mode: .output, promise: nil) } else { earlyInputClosed = true }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let e = error as? NIOSSLError, case .uncleanShutdown = e { return }
        TLSProxy.lastError.withLockedValue { $0 = TLSProxy.describe(error) }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let partner { partner.context?.close(promise: nil) } else { earlyClosed = true }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.resumeRead() }
        context.fireChannelWritabilityChanged()
    }

    private func resumeRead() {
        if pendingRead, let context {
            pendingRead = false
            context.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        if partner?.isWritable ?? true {
            context.read()
        } else {
            pendingRead = true
        }
    }
}
