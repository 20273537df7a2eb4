import Logging
import MeshProtocol
import NIOCore
import NIOSSL

/// Installs the handlers of a link channel: optional TLS, the frame decoder and the link handler.
enum LinkPipeline {
    static func configure(
        channel: any Channel,
        role: LinkHandler.Role,
        tls: TLSSetup?,
        serverHostname: String?,
        handshake: LinkHandshake,
        core: MeshCore,
        backendDescription: String,
        onEstablished: (() -> Void)? = nil
    ) throws {
        let ops = channel.pipeline.syncOperations
        var identity: PeerIdentity?
        var logger = core.logger
        logger[metadataKey: "backend"] = "\(backendDescription)"
        if let tls {
            let id = PeerIdentity()
            identity = tls.checkNodeIDs ? id : nil
            let failureLogger = logger
            let remote = channel.remoteAddress.map { "\($0)" } ?? "?"
            let onFailure: @Sendable (String) -> Void = { reason in
                failureLogger.warning("refused TLS peer", metadata: ["remote": "\(remote)", "reason": "\(reason)"])
            }
            switch role {
            case .listener:
                if let verifier = tls.verifier {
                    try ops.addHandler(
                        NIOSSLServerHandler(
                            context: tls.context,
                            customVerificationCallback: verifier.callback(identity: id, onFailure: onFailure)
                        )
                    )
                } else {
                    try ops.addHandler(NIOSSLServerHandler(context: tls.context))
                }
            case .dialer:
                if let verifier = tls.verifier {
                    try ops.addHandler(
                        NIOSSLClientHandler(
                            context: tls.context,
                            serverHostname: serverHostname,
                            customVerificationCallback: verifier.callback(identity: id, onFailure: onFailure)
                        )
                    )
                } else {
                    try ops.addHandler(NIOSSLClientHandler(context: tls.context, serverHostname: serverHostname))
                }
            }
        }
        try ops.addHandler(ByteToMessageHandler(LinkFrameDecoder(), maximumBufferSize: LinkFrame.maximumLength + 8))
        let handler = LinkHandler(
            role: role,
            handshake: handshake,
            core: core,
            peerIdentity: identity,
            backendDescription: backendDescription,
            logger: logger
        )
        handler.onEstablished = onEstablished
        try ops.addHandler(handler)
    }

    /// Host names are sent as SNI; IP addresses are not.
    static func sniHost(_ host: String) -> String? {
        if host.contains(":") { return nil }
        if host.split(separator: ".").count == 4, host.allSatisfy({ $0.isNumber || $0 == "." }) { return nil }
        return host
    }
}
