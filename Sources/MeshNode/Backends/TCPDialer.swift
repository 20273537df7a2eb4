import Logging
import NIOCore

/// A `tcp-peer`: dials a neighbour (with TLS when configured), keeps the link up, and redials with
/// backoff when it drops.
enum TCPDialer {
    static func make(address: HostPort, redial: Bool, tls: TLSSetup?, handshake: LinkHandshake, core: MeshCore) -> ConnectionKeeper {
        var logger = core.logger
        logger[metadataKey: "peer-address"] = "\(address)"
        let coreBound = NIOLoopBound(core, eventLoop: core.loop)
        let description = "tcp-peer \(address)"
        return ConnectionKeeper(
            host: address.host,
            port: address.port,
            loop: core.loop,
            redialer: Redialer(loop: core.loop, redial: redial, logger: logger)
        ) { channel, established in
            try LinkPipeline.configure(
                channel: channel,
                role: .dialer,
                tls: tls,
                serverHostname: LinkPipeline.sniHost(address.host),
                handshake: handshake,
                core: coreBound.value,
                backendDescription: description,
                onEstablished: established
            )
        }
    }
}
