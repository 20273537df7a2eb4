import Logging
import MeshProtocol
import NIOCore

/// What a ``ControlSession`` needs from the node: its ID, the command counters, the `status` report,
/// pings, `tls-client` entries and streams (for `connect`), reload, and the `work` handler.
/// ``ControlContext`` is the real one, over the ``MeshCore`` and the daemon's TLS registry; tests run
/// a session on an `EmbeddedChannel` with a fake.
///
/// Confinement: used on the mesh event loop only.
protocol ControlServices: AnyObject {
    /// This node's ID (the greeting, `localhost` in `connect`).
    var localNode: String { get }
    /// Counts one command by name (for metrics).
    func countControlCommand(_ name: String)
    /// The `status` reply's members; `fields` limits the work to those asked for (nil: all).
    func statusReport(fields: Set<String>?) -> [String: JSONValue]
    /// Pings `target` with a hop limit; the future never fails (a problem is in the result).
    func ping(_ target: String, hopsToLive: UInt8) -> EventLoopFuture<MeshCore.PingResult>
    /// The `tls-client` entry of this name, if there is one.
    func tlsClient(named name: String) -> TLSSetup?
    /// Opens a stream to (`node`, `service`), as ``MeshDialer/dial(core:node:service:tls:logger:initializer:)`` does.
    func dial(
        node: String,
        service: String,
        tls: TLSSetup?,
        logger: Logger,
        initializer: @escaping (MeshStreamChannel) throws -> Void
    ) -> EventLoopFuture<MeshStreamChannel>
    /// Re-reads the configuration file; succeeds with nil or with the error text and its ERRORCODE.
    func reloadConfiguration() -> EventLoopFuture<String?>
    /// Serves `work` commands, if the work-unit manager is installed.
    var workHandler: (any WorkCommandHandler)? { get }
}

extension ControlContext: ControlServices {
    var localNode: String { core.localNode }

    func countControlCommand(_ name: String) { core.countControlCommand(name) }

    func statusReport(fields: Set<String>?) -> [String: JSONValue] { StatusReport.make(core: core, fields: fields) }

    func ping(_ target: String, hopsToLive: UInt8) -> EventLoopFuture<MeshCore.PingResult> {
        core.ping(target, hopsToLive: hopsToLive)
    }

    func tlsClient(named name: String) -> TLSSetup? { tls.clients[name] }

    func dial(
        node: String,
        service: String,
        tls: TLSSetup?,
        logger: Logger,
        initializer: @escaping (MeshStreamChannel) throws -> Void
    ) -> EventLoopFuture<MeshStreamChannel> {
        MeshDialer.dial(core: core, node: node, service: service, tls: tls, logger: logger, initializer: initializer)
    }

    func reloadConfiguration() -> EventLoopFuture<String?> { reload() }
}
