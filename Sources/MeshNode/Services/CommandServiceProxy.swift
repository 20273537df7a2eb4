import Logging
import MeshConfig
import MeshProtocol
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// `command-service`: each stream opened to the mesh service runs `command` on a new
/// pseudo-terminal (``PseudoTerminal``) and carries the terminal both ways, as receptor does
/// (ad tags `type: Command Service`; TLS above the mesh with the entry's `tls`).
///
/// The command's end of output (the terminal reports EIO once the command has exited) closes the
/// stream cleanly; the stream closing closes the terminal, which hangs the command up (SIGHUP).
/// The command is reaped afterwards, and killed if it is still there 5 s after its terminal closed.
final class CommandServiceProxy {
    private let entry: CommandServiceEntry
    private unowned let core: MeshCore
    private let meshTLS: TLSSetup?
    private let logger: Logger

    init(entry: CommandServiceEntry, core: MeshCore, meshTLS: TLSSetup?, logger: Logger) {
        self.entry = entry
        self.core = core
        self.meshTLS = meshTLS
        self.logger = logger
    }

    func start() throws {
        let loop = core.loop
        let arguments = entry.arguments
        let logger = self.logger
        try core.offerStreamService(
            entry.service,
            tls: meshTLS,
            tags: ["type": "Command Service"],
            entry: "command-service",
            index: entry.index,
            logger: logger
        ) { remote, glue in
            Self.run(arguments, for: remote, glue: glue, loop: loop, logger: logger)
        }
    }

    func stop() {
        core.withdrawStreamService(entry.service)
    }

    private static func run(
        _ arguments: [String],
        for remote: MeshStreamChannel,
        glue remoteGlue: GlueHandler,
        loop: any EventLoop,
        logger: Logger
    ) {
        let terminal: PseudoTerminal
        do {
            terminal = try PseudoTerminal.spawn(arguments)
        } catch {
            logger.warning("command-service could not start its command", metadata: ["reason": "\(error)"])
            remote.triggerUserOutboundEvent(MeshStreamReset(reason: "\(error)"), promise: nil)
            return
        }
        let terminalGlue = NIOLoopBound(GlueHandler(), eventLoop: loop)
        NIOPipeBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(terminalGlue.value)
                }
            }
            .takingOwnershipOfDescriptor(inputOutput: terminal.primary)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    GlueHandler.connect(remoteGlue, terminalGlue.value)
                    channel.closeFuture.assumeIsolated().whenComplete { _ in reap(terminal, loop: loop, attempts: 0) }
                case .failure(let error):
                    logger.warning("command-service could not attach the terminal", metadata: ["reason": "\(error)"])
                    kill(terminal.pid, SIGKILL)
                    reap(terminal, loop: loop, attempts: 0)
                    remote.triggerUserOutboundEvent(MeshStreamReset(reason: "\(error)"), promise: nil)
                }
            }
    }

    /// Reaps the command, checking every 100 ms; after 5 s it is killed.
    private static func reap(_ terminal: PseudoTerminal, loop: any EventLoop, attempts: Int) {
        if terminal.reap() { return }
        if attempts == 50 { kill(terminal.pid, SIGKILL) }
        guard attempts < 100 else { return }
        loop.assumeIsolated().scheduleTask(in: .milliseconds(100)) {
            reap(terminal, loop: loop, attempts: attempts + 1)
        }
    }
}
