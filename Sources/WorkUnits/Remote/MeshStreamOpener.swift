import MeshNode
import NIOCore

/// What remote units need from the mesh: streams to a service on another node, the names of the
/// `tls-client` entries, and the event loop everything runs on. ``MeshDaemon`` is the real one;
/// tests hand ``ControlClient`` and ``RemoteUnit`` in-memory channels that replay a remote node's
/// control service.
protocol MeshStreamOpener: AnyObject {
    /// The mesh event loop: streams, timers and the work manager all run on it.
    var eventLoop: any EventLoop { get }

    /// Opens a stream to (`node`, `service`) as a channel, with TLS above the mesh when `tlsClient`
    /// names a `tls-client` entry. `initializer` adds the handlers that consume the stream before any
    /// byte can arrive; `completion` runs once, when the stream is open or has failed.
    func openStream(
        to node: String,
        service: String,
        tlsClient: String?,
        initializer: @escaping (any Channel) throws -> Void,
        completion: @escaping (Result<any Channel, any Error>) -> Void
    )

    /// Whether a `tls-client` entry of this name exists.
    func hasTLSClient(_ name: String) -> Bool
}

extension MeshDaemon: MeshStreamOpener {
    var eventLoop: any EventLoop { core.loop }
}
