import Logging
import MeshConfig
import MeshProtocol
import NIOCore

extension MeshCore {
    /// Offers the mesh stream service `name` (what `tcp-client`, `unix-socket-client` and
    /// `command-service` share): every stream opened to it goes through TLS above the mesh when
    /// `tls` is set (``MeshDialer/accept``) and is then handed to `handle`; the service is
    /// advertised with `tags` (ConnType stream, or streamTLS with TLS).
    ///
    /// Throws a ``ConfigError`` naming `entry`, `index` and the `service` field if the name is taken.
    func offerStreamService(
        _ name: String,
        tls: TLSSetup?,
        tags: [String: String],
        entry: String,
        index: Int?,
        logger: Logger,
        handle: @escaping (any ByteDuplex) -> Void
    ) throws {
        if serviceInUse(name) {
            throw ConfigError(entry: entry, index: index, field: "service", message: "service \(name) is already in use")
        }
        let coreBound = NIOLoopBound(self, eventLoop: loop)
        streams.listen(service: name) { stream in
            MeshDialer.accept(stream, tls: tls, core: coreBound.value, logger: logger, completion: handle)
        }
        advertise(ServiceAdvertisement(name: name, connType: tls == nil ? .stream : .streamTLS, tags: tags))
    }

    /// Stops offering a service started with ``offerStreamService(_:tls:tags:entry:index:logger:handle:)``.
    func withdrawStreamService(_ name: String) {
        streams.stopListening(service: name)
        withdraw(service: name)
    }
}
