import Logging
import MeshProtocol
import NIOCore
import NIOSSL

/// Installs the handlers of a link channel: optional TLS, the frame decoder and the link handler.
///
/// The two halves can be installed separately: a TCP link gets both at once (``configure``); a
/// WebSocket link gets TLS when the connection opens (``addTLS``) and the link handlers only once
/// the HTTP upgrade is done (``addLinkHandlers``), behind the WebSocket adapter.
enum LinkPipeline {
    /// TLS (when `tls` is set), then the frame decoder and the link handler.
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
        let logger = logger(core: core, backendDescription: backendDescription)
        let identity = try addTLS(to: channel, role: role, tls: tls, serverHostname: serverHostname, logger: logger)
        try addLinkHandlers(
            to: channel,
            role: role,
            peerIdentity: identity,
            handshake: handshake,
            core: core,
            backendDescription: backendDescription,
            logger: logger,
            onEstablished: onEstablished
        )
    }

    /// The logger of one link: the core's, tagged with the backend.
    static func logger(core: MeshCore, backendDescription: String) -> Logger {
        var logger = core.logger
        logger[metadataKey: "backend"] = "\(backendDescription)"
        return logger
    }

    /// Adds the NIOSSL handler for `role` when `tls` is set.
    ///
    /// - Returns: the identity the verification callback fills with the peer certificate's node
    ///   IDs, for the link handler to check the hello against; nil without TLS or when the entry
    ///   skips the node-ID check.
    static func addTLS(
        to channel: any Channel,
        role: LinkHandler.Role,
        tls: TLSSetup?,
        serverHostname: String?,
        logger: Logger
    ) throws -> PeerIdentity? {
        guard let tls else { return nil }
        let ops = channel.pipeline.syncOperations
        let id = PeerIdentity()
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
        return tls.checkNodeIDs ? id : nil
    }

    /// Adds the frame decoder and the link handler (which starts at once if the channel is active).
    static func addLinkHandlers(
        to channel: any Channel,
        role: LinkHandler.Role,
        peerIdentity: PeerIdentity?,
        handshake: LinkHandshake,
        core: MeshCore,
        backendDescription: String,
        logger: Logger,
        onEstablished: (() -> Void)? = nil
    ) throws {
        let ops = channel.pipeline.syncOperations
        try ops.addHandler(ByteToMessageHandler(LinkFrameDecoder(), maximumBufferSize: LinkFrame.maximumLength + 8))
        let handler = LinkHandler(
            role: role,
            handshake: handshake,
            core: core,
            peerIdentity: peerIdentity,
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
