import Foundation
import Logging
import MeshConfig
import MeshNode
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals
import WorkUnits

/// `receptord`: loads receptor's configuration (files and command-line entries), starts the node,
/// and runs until SIGTERM or SIGINT; SIGHUP reloads like the `reload` command.

// A unit's command runner: `receptord __work-runner <unit directory>` (started by the daemon).
if CommandLine.arguments.count == 3 && CommandLine.arguments[1] == "__work-runner" {
    exit(CommandRunner.main(unitDirectory: CommandLine.arguments[2]))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
    exit(1)
}

let commandLine: CommandLineConfig
do {
    commandLine = try ConfigLoader.parse(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    fail("\(error)")
}
if commandLine.showHelp {
    print(ConfigLoader.helpText(programName: "receptord"))
    exit(0)
}
if commandLine.showVersion {
    print(ReceptordVersion.current)
    exit(0)
}

/// This program's own path, to start unit runners with.
func executablePath() -> String {
    // Without /proc, the name we were started by is the best there is; a wrong one makes each unit's launch
    // fail with "cannot start the command runner", which the client sees.
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

let config: ReceptorConfig
var fileItems: [ConfigItem] = []
do {
    for path in commandLine.configFiles {
        fileItems += try ConfigLoader.loadItems(path: path)
    }
    config = try ConfigLoader.build(items: fileItems + commandLine.inlineItems)
} catch {
    fail("\(error)")
}
if let exclusive = config.exclusive.first {
    // One-shot entries: `version` in a file, or a certificate utility (runs and exits).
    if exclusive.name == "version" {
        print(ReceptordVersion.current)
        exit(0)
    }
    do {
        try CertTool.run(exclusive)
    } catch {
        fail("\(error)")
    }
    exit(0)
}
guard config.hasBackend else {
    fail("Nothing to do - no backends are running.")
}

let level: Logger.Level =
    switch config.logLevel {
    case nil: .info
    case .error: .error
    case .warning: .warning
    case .info: .info
    case .debug: .debug
    }
let jsonLogs = config.logJSON
LoggingSystem.bootstrap { label in ReceptorLogHandler(label: label, level: level, json: jsonLogs) }
var logger = Logger(label: "receptord")
logger[metadataKey: "node"] = "\(config.node.id)"

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let loop = group.next()
let configPath = commandLine.configFiles.first
let inline = commandLine.inlineItems
let startLogger = logger

let daemonBox: NIOLoopBound<MeshDaemon>
do {
    daemonBox = try await loop.submit {
        let daemon = try MeshDaemon.make(
            config: config,
            configPath: configPath,
            inlineItems: inline,
            version: ReceptordVersion.current,
            loop: loop,
            logger: startLogger
        )
        let work = try WorkManager(daemon: daemon, runnerExecutable: executablePath(), logger: startLogger)
        daemon.core.localWorkCommands = work.advertisedWorkCommands
        daemon.workHandler = work
        daemon.workStateCounts = { work.countsByState() }
        daemon.workStatusWriteFailures = { work.statusWriteFailures }
        work.start()
        return NIOLoopBound(daemon, eventLoop: loop)
    }.get()
    try await loop.flatSubmit { daemonBox.value.start() }.get()
} catch {
    fail("\(error)")
}
logger.info("receptord \(ReceptordVersion.current) running as node \(config.node.id)")

/// Keeps the node running until a graceful shutdown, then stops it cleanly.
struct NodeService: Service {
    let daemon: NIOLoopBound<MeshDaemon>
    let loop: any EventLoop
    let logger: Logger

    func run() async throws {
        // It throws only when the task is cancelled, which means stopping just the same.
        try? await gracefulShutdown()
        // Open streams finish first (up to the drain deadline), then every link writes its close
        // frames and closes (or a deadline passes for a peer that does not answer): no sleep
        // guessing how long that takes.
        do {
            try await loop.flatSubmit { daemon.value.drainAndStop() }.get()
        } catch {
            logger.error("could not stop the node cleanly: \(error)")
        }
    }
}

/// Reloads the configuration on SIGHUP.
struct ReloadOnHangup: Service {
    let daemon: NIOLoopBound<MeshDaemon>
    let loop: any EventLoop
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            let logger = self.logger
            let daemon = self.daemon
            do {
                if let error = try await loop.flatSubmit({ daemon.value.reload() }).get() {
                    logger.error("reload failed: \(error)")
                } else {
                    logger.info("configuration reloaded")
                }
            } catch {
                logger.error("reload failed: \(error)")
            }
        }
    }
}

let serviceGroup = ServiceGroup(
    configuration: ServiceGroupConfiguration(
        services: [
            ServiceGroupConfiguration.ServiceConfiguration(service: NodeService(daemon: daemonBox, loop: loop, logger: logger)),
            ServiceGroupConfiguration.ServiceConfiguration(service: ReloadOnHangup(daemon: daemonBox, loop: loop, logger: logger)),
        ],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
    )
)
try await serviceGroup.run()
do {
    try await group.shutdownGracefully()
} catch {
    logger.warning("event loop shutdown failed: \(error)")
}
