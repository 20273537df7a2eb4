import Logging
import MeshConfig
import MeshProtocol
import NIOCore

extension MeshCore {
    /// Offers the mesh stream service `name` (what `tcp-client`, `unix-socket-client` and
    /// `command-service` share): every stream opened to it becomes a ``MeshStreamChannel``, with
    /// TLS above the mesh when `tls` is set (``MeshDialer/accept``), whose pipeline ends in a
    /// ``GlueHandler``; once active (and past the handshake) the channel and its glue are handed
    /// to `bridge`, which connects the glue to the local end. The service is advertised with
    /// `tags` (ConnType stream, or streamTLS with TLS).
    ///
    /// Throws a ``ConfigError`` naming `entry`, `index` and the `service` field if the name is taken.
    func offerStreamService(
        _ name: String,
        tls: TLSSetup?,
        tags: [String: String],
        entry: String,
        index: Int?,
        logger: Logger,
        bridge: @escaping (MeshStreamChannel, GlueHandler) -> Void
    ) throws {
        if serviceInUse(name) {
            throw ConfigError(entry: entry, index: index, field: "service", message: "service \(name) is already in use")
        }
        let coreBound = NIOLoopBound(self, eventLoop: loop)
        streams.listen(service: name) { stream in
            let glue = GlueHandler()
            MeshDialer.accept(stream, tls: tls, core: coreBound.value, logger: logger) { channel in
                try channel.pipeline.syncOperations.addHandler(glue)
            }.assumeIsolated().whenSuccess { channel in
                bridge(channel, glue)
            }
        }
        advertise(ServiceAdvertisement(name: name, connType: tls == nil ? .stream : .streamTLS, tags: tags))
    }

    /// Stops offering a service started with ``offerStreamService(_:tls:tags:entry:index:logger:bridge:)``.
    func withdrawStreamService(_ name: String) {
        streams.stopListening(service: name)
        withdraw(service: name)
    }
}
