import Foundation
import Logging
import MeshConfig
import MeshProtocol
import NIOCore
import NIOPosix
import NIOSSL

/// The listeners of one `control-service` entry: unix socket, plain or TLS TCP, and the mesh service.
final class ControlServiceListeners {
    private let entry: ControlServiceEntry
    private unowned let context: ControlContext
    private var channels: [any Channel] = []
    private var lockFD: Int32 = -1
    private var meshService: String?
    private let logger: Logger

    init(entry: ControlServiceEntry, context: ControlContext, logger: Logger) {
        self.entry = entry
        self.context = context
        self.logger = logger
    }

    /// Opens every configured listener; the future fails with a readable error.
    func start() -> EventLoopFuture<Void> {
        let core = context.core
        let loop = core.loop
        var futures: [EventLoopFuture<Void>] = []
        if let path = entry.filename {
            do {
                try acquireLock(path + ".lock")
            } catch {
                return loop.makeFailedFuture(error)
            }
            unlink(path)
            let permissions = entry.permissions
            futures.append(
                bootstrap(tls: nil, trusted: true).bind(unixDomainSocketPath: path).assumeIsolated().map { [self] ch in
                    chmod(path, mode_t(permissions))
                    self.channels.append(ch)
                    self.logger.info("control socket listening", metadata: ["path": "\(path)"])
                }.nonisolated()
            )
        }
        if let listen = entry.tcpListen {
            let address: HostPort
            if let p = Int(listen) {
                address = HostPort(host: "0.0.0.0", port: p)
            } else if let hp = HostPort(listen) {
                address = hp
            } else {
                return loop.makeFailedFuture(ConfigError(entry: "control-service", index: nil, field: "tcplisten", message: "invalid address \(listen)"))
            }
            var tls: TLSSetup?
            if let name = entry.tcpTLS {
                tls = context.tls.servers[name]
            }
            futures.append(
                bootstrap(tls: tls, trusted: false).bind(host: address.host, port: address.port).assumeIsolated().map { [self] ch in
                    self.channels.append(ch)
                    self.logger.info("control service listening on TCP", metadata: ["address": "\(address)", "tls": "\(tls != nil)"])
                }.nonisolated()
            )
        }
        if !entry.service.isEmpty {
            let service = entry.service
            if core.serviceInUse(service) {
                return loop.makeFailedFuture(ConfigError(entry: "control-service", index: nil, field: "service", message: "service \(service) is already in use"))
            }
            startMeshService(service, tls: entry.tls.flatMap { context.tls.servers[$0] })
        }
        return EventLoopFuture.andAllSucceed(futures, on: loop)
    }

    /// Serves the control protocol on a mesh service (TLS above the mesh when `tls` is set).
    private func startMeshService(_ service: String, tls: TLSSetup?) {
        meshService = service
        let context = self.context
        let logger = self.logger
        context.core.streams.listen(service: service) { stream in
            // The session's greeting waits for the TLS handshake (NIOSSL holds writes until then).
            _ = MeshDialer.accept(stream, tls: tls, core: context.core, logger: logger) { channel in
                try channel.pipeline.syncOperations.addHandler(ControlSession(context: context, trusted: false, logger: logger))
            }
        }
        context.core.advertise(
            ServiceAdvertisement(
                name: service,
                connType: tls == nil ? .stream : .streamTLS,
                tags: ["type": "Control Service"],
                workCommands: context.core.localWorkCommands
            )
        )
    }

    private func bootstrap(tls: TLSSetup?, trusted: Bool) -> ServerBootstrap {
        let loop = context.core.loop
        let contextBound = NIOLoopBound(context, eventLoop: loop)
        let logger = self.logger
        return ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                do {
                    let ops = channel.pipeline.syncOperations
                    if let tls {
                        if let verifier = tls.verifier {
                            try ops.addHandler(
                                NIOSSLServerHandler(
                                    context: tls.context,
                                    customVerificationCallback: verifier.callback(identity: nil) { reason in
                                        logger.warning("refused control TLS client", metadata: ["reason": "\(reason)"])
                                    }
                                )
                            )
                        } else {
                            try ops.addHandler(NIOSSLServerHandler(context: tls.context))
                        }
                    }
                    if tls != nil { try ops.addHandler(HandshakeDeadline()) }
                    try ops.addHandler(ControlSession(context: contextBound.value, trusted: trusted, logger: logger))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
    }

    private func acquireLock(_ path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ConfigError(entry: "control-service", index: nil, field: "filename", message: "could not open lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ConfigError(entry: "control-service", index: nil, field: "filename", message: "could not acquire lock on socket file: \(path) is locked by another process")
        }
        lockFD = fd
    }

    func stop() {
        for c in channels { c.close(promise: nil) }
        channels.removeAll()
        if let s = meshService {
            context.core.streams.stopListening(service: s)
            context.core.withdraw(service: s)
        }
        if lockFD >= 0 {
            close(lockFD)
            lockFD = -1
        }
    }
}
