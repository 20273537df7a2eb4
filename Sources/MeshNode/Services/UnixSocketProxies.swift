import Foundation
import Logging
import MeshConfig
import MeshProtocol
import NIOCore
import NIOPosix

/// `unix-socket-server`: a local Unix socket (lock file, permissions, an old socket file replaced)
/// whose every connection is carried over a mesh stream to (`remotenode`, `remoteservice`), with
/// TLS above the mesh when `tls` names a tls-client.
final class UnixSocketServerProxy {
    private let entry: UnixSocketServerEntry
    private unowned let core: MeshCore
    private let meshTLS: TLSSetup?
    private let logger: Logger
    private var channel: (any Channel)?
    private var lockFD: Int32 = -1

    init(entry: UnixSocketServerEntry, core: MeshCore, meshTLS: TLSSetup?, logger: Logger) {
        self.entry = entry
        self.core = core
        self.meshTLS = meshTLS
        self.logger = logger
    }

    func start() -> EventLoopFuture<Void> {
        let loop = core.loop
        let path = entry.filename
        lockFD = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0, flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            return loop.makeFailedFuture(
                ConfigError(entry: "unix-socket-server", index: entry.index, field: "filename", message: "could not acquire lock on socket file: \(path)")
            )
        }
        unlink(path)
        let coreBound = NIOLoopBound(core, eventLoop: loop)
        let remoteNode = entry.remoteNode.lowercased() == "localhost" ? core.localNode : entry.remoteNode
        let remoteService = entry.remoteService
        let meshTLS = self.meshTLS
        let logger = self.logger
        let permissions = entry.permissions
        let bound = NIOLoopBound(self, eventLoop: loop)
        return ServerBootstrap(group: loop)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try LocalBridge.forwardToMesh(
                        channel,
                        core: coreBound.value,
                        node: remoteNode,
                        service: remoteService,
                        tls: meshTLS,
                        proxy: "unix-socket-server",
                        logger: logger
                    )
                }
            }
            .bind(unixDomainSocketPath: path)
            .map { channel in
                chmod(path, mode_t(permissions))
                bound.value.channel = channel
            }
    }

    func stop() {
        channel?.close(promise: nil)
        channel = nil
        if lockFD >= 0 { close(lockFD) }
        lockFD = -1
    }
}

/// `unix-socket-client`: a mesh service (ad tags `type: Unix Proxy`, `filename`) whose every stream
/// is forwarded to an existing Unix socket, with TLS above the mesh when `tls` names a tls-server.
final class UnixSocketClientProxy {
    private let entry: UnixSocketClientEntry
    private unowned let core: MeshCore
    private let meshTLS: TLSSetup?
    private let logger: Logger

    init(entry: UnixSocketClientEntry, core: MeshCore, meshTLS: TLSSetup?, logger: Logger) {
        self.entry = entry
        self.core = core
        self.meshTLS = meshTLS
        self.logger = logger
    }

    func start() throws {
        guard FileManager.default.fileExists(atPath: entry.filename) else {
            throw ConfigError(entry: "unix-socket-client", index: entry.index, field: "filename", message: "socket \(entry.filename) does not exist")
        }
        let loop = core.loop
        let path = entry.filename
        let logger = self.logger
        try core.offerStreamService(
            entry.service,
            tls: meshTLS,
            tags: ["type": "Unix Proxy", "filename": entry.filename],
            entry: "unix-socket-client",
            index: entry.index,
            logger: logger
        ) { remote, glue in
            LocalBridge.connect(remote, glue: glue, loop: loop, target: path, logger: logger) { $0.connect(unixDomainSocketPath: path) }
        }
    }

    func stop() {
        core.withdrawStreamService(entry.service)
    }
}
