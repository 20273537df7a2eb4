import Foundation
import Logging
import MeshConfig
import MeshProtocol
import MeshRouter
import NIOCore

/// A running node built from a configuration: the mesh core, its backends (listeners and peers),
/// control services and proxy services. Reload swaps the backends; everything else stays.
public final class MeshDaemon {
    public let core: MeshCore
    private let configPath: String?
    private let inlineItems: [ConfigItem]
    private var config: ReceptorConfig
    private let tls: TLSRegistry
    /// TLS material by entry name, for the backend builders in this type's extensions.
    var tlsRegistry: TLSRegistry { tls }
    /// Listeners and dialers of every kind; reload replaces them all.
    var backends: [any LinkBackend] = []
    private var controlListeners: [ControlServiceListeners] = []
    private var tcpServers: [TCPServerProxy] = []
    private var tcpClients: [TCPClientProxy] = []
    private var unixServers: [UnixSocketServerProxy] = []
    private var metricsServer: MetricsServer?
    private var metrics: MeshMetrics?
    private var unixClients: [UnixSocketClientProxy] = []
    private var commandServices: [CommandServiceProxy] = []
    private var udpServers: [UDPServerProxy] = []
    private var udpClients: [UDPClientProxy] = []
    private var controlContext: ControlContext!
    private let logger: Logger

    /// Settings for the core derived from a configuration.
    public static func settings(for config: ReceptorConfig, version: String) -> MeshSettings {
        MeshSettings(
            nodeID: config.node.id,
            dataDirectory: config.node.dataDir,
            heartbeatInterval: config.node.heartbeatInterval,
            deadTimeout: config.node.deadPeerTimeout,
            routeLifetime: config.node.routeLifetime,
            version: version
        )
    }

    private init(config: ReceptorConfig, configPath: String?, inlineItems: [ConfigItem], tls: TLSRegistry, core: MeshCore, logger: Logger) {
        self.config = config
        self.configPath = configPath
        self.inlineItems = inlineItems
        self.tls = tls
        self.core = core
        self.logger = logger
    }

    /// Loads TLS material and builds the node; nothing listens yet. Must be called on `loop`.
    /// Throws a ``ConfigError`` for unreadable or mismatching certificates.
    public static func make(
        config: ReceptorConfig,
        configPath: String?,
        inlineItems: [ConfigItem] = [],
        version: String,
        loop: any EventLoop,
        logger: Logger
    ) throws -> MeshDaemon {
        let tls = try TLSRegistry(config: config, localNode: config.node.id)
        let core = MeshCore(settings: settings(for: config, version: version), loop: loop, logger: logger)
        do {
            core.firewall = try Firewall(rules: config.node.firewallRules)
        } catch {
            throw ConfigError(entry: "node", index: config.node.index, field: "firewallrules", message: error.description)
        }
        let daemon = MeshDaemon(config: config, configPath: configPath, inlineItems: inlineItems, tls: tls, core: core, logger: logger)
        daemon.controlContext = ControlContext(core: core, tls: tls) { [unowned daemon] in daemon.reload() }
        return daemon
    }

    /// Starts the router, services and backends. The future fails (and everything is stopped again)
    /// if any listener cannot bind.
    public func start() -> EventLoopFuture<Void> {
        for u in config.unsupported {
            logger.warning("\(u.name) (item \(u.index)) is not supported yet: \(u.reason); ignoring it")
        }
        reportNotYetApplied()
        core.start()
        watchCertificates()
        return startServices().assumeIsolated().flatMap { [self] in
            self.startBackends(self.config)
        }.flatMapError { [self] error in
            self.stop()
            return self.core.loop.makeFailedFuture(error)
        }.nonisolated()
    }

    /// Entries that parse into typed values but that this version does not apply yet: say so once,
    /// naming each item, rather than silently ignoring them.
    private func reportNotYetApplied() {
        var items: [(String, Int)] = []
        if workHandler == nil {
            items += config.workCommands.map { ("work-command", $0.index) }
            if let w = config.workSigning { items.append(("work-signing", w.index)) }
            if let w = config.workVerification { items.append(("work-verification", w.index)) }
        }
        for (name, index) in items {
            logger.warning("\(name) (item \(index)) is not supported yet; ignoring it")
        }
    }

    private func startServices() -> EventLoopFuture<Void> {
        var futures: [EventLoopFuture<Void>] = []
        for entry in config.controlServices {
            let l = ControlServiceListeners(entry: entry, context: controlContext, logger: logger)
            controlListeners.append(l)
            futures.append(l.start())
        }
        for entry in config.tcpServers {
            let p = TCPServerProxy(
                entry: entry,
                core: core,
                tls: entry.tlsServer.flatMap { tls.servers[$0] },
                meshTLS: entry.tlsClient.flatMap { tls.clients[$0] },
                logger: logger
            )
            tcpServers.append(p)
            futures.append(p.start())
        }
        if let entry = config.metrics {
            let metrics = MeshMetrics(core: core)
            metrics.workStates = workStateCounts
            metrics.workStatusWriteFailures = workStatusWriteFailures
            let server = MetricsServer(metrics: metrics, host: entry.bindAddr, port: entry.port)
            self.metrics = metrics
            metricsServer = server
            futures.append(
                server.start(on: core.loop).flatMapErrorThrowing { error in
                    throw ConfigError(entry: "metrics", index: entry.index, field: "port", message: "cannot listen on \(entry.bindAddr):\(entry.port): \(error)")
                }
            )
        }
        for entry in config.unixSocketServers {
            let p = UnixSocketServerProxy(entry: entry, core: core, meshTLS: entry.tls.flatMap { tls.clients[$0] }, logger: logger)
            unixServers.append(p)
            futures.append(p.start())
        }
        for entry in config.udpServers {
            let p = UDPServerProxy(entry: entry, core: core, logger: logger)
            udpServers.append(p)
            futures.append(p.start())
        }
        do {
            for entry in config.udpClients {
                let p = UDPClientProxy(entry: entry, core: core, logger: logger)
                try p.start()
                udpClients.append(p)
            }
            for entry in config.unixSocketClients {
                let p = UnixSocketClientProxy(entry: entry, core: core, meshTLS: entry.tls.flatMap { tls.servers[$0] }, logger: logger)
                try p.start()
                unixClients.append(p)
            }
            for entry in config.commandServices {
                let p = CommandServiceProxy(entry: entry, core: core, meshTLS: entry.tls.flatMap { tls.servers[$0] }, logger: logger)
                try p.start()
                commandServices.append(p)
            }
            for entry in config.tcpClients {
                let p = TCPClientProxy(
                    entry: entry,
                    core: core,
                    meshTLS: entry.tlsServer.flatMap { tls.servers[$0] },
                    localTLS: entry.tlsClient.flatMap { tls.clients[$0] },
                    logger: logger
                )
                try p.start()
                tcpClients.append(p)
            }
        } catch {
            return core.loop.makeFailedFuture(error)
        }
        return EventLoopFuture.andAllSucceed(futures, on: core.loop)
    }

    private func startBackends(_ config: ReceptorConfig) -> EventLoopFuture<Void> {
        do {
            backends = try makeTCPBackends(config) + makeUDPBackends(config) + makeWSBackends(config)
        } catch {
            return core.loop.makeFailedFuture(error)
        }
        return EventLoopFuture.andAllSucceed(backends.map { $0.start() }, on: core.loop)
    }

    private func stopBackends() {
        for b in backends { b.stop() }
        backends.removeAll()
    }

    /// The `reload` command: re-reads the file, refuses changes to non-reloadable entries (code 3),
    /// and restarts all backends (code 4 on failure).
    public func reload() -> EventLoopFuture<String?> {
        let loop = core.loop
        guard let configPath else {
            return loop.makeSucceededFuture("no configuration file was provided, reload function not set ERRORCODE 4")
        }
        let newConfig: ReceptorConfig
        do {
            let fileItems = try ConfigLoader.loadItems(path: configPath)
            newConfig = try ConfigLoader.build(items: fileItems + inlineItems)
        } catch {
            return loop.makeSucceededFuture("\(error) ERRORCODE 4")
        }
        if let difference = config.reloadDifference(to: newConfig) {
            return loop.makeSucceededFuture("\(difference) ERRORCODE 3")
        }
        logger.info("reloading backends from \(configPath)")
        stopBackends()
        core.closeAllLinks(reason: "configuration reloaded")
        config = newConfig
        return startBackends(newConfig).map { nil }.flatMapError { error in
            loop.makeSucceededFuture("\(error) ERRORCODE 4")
        }
    }

    /// Serves `work` commands on every control session (the work-unit manager); set before start.
    public var workHandler: (any WorkCommandHandler)? {
        get { controlContext.workHandler }
        set { controlContext.workHandler = newValue }
    }

    // MARK: certificate rotation

    private var certificateStamps: [String: String] = [:]
    private var certificateTimer: Scheduled<Void>?
    /// How often certificate, key and CA files are checked for changes.
    public var certificateCheckInterval: TimeAmount = .seconds(5)

    private static func stamp(_ path: String) -> String {
        var st = stat()
        guard stat(path, &st) == 0 else { return "missing" }
        return "\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec):\(st.st_size):\(st.st_ino)"
    }

    /// Re-reads TLS material when its files change: new links use the new certificates, links up
    /// now stay up, and material that does not load (or fails the node-ID check) is refused with a
    /// log line while the old material stays in use. Receptor needs a restart for this.
    private func watchCertificates() {
        let files = TLSRegistry.files(of: config)
        guard !files.isEmpty else { return }
        if certificateStamps.isEmpty {
            for f in files { certificateStamps[f] = Self.stamp(f) }
        }
        certificateTimer = core.loop.assumeIsolated().scheduleTask(in: certificateCheckInterval) { [weak self] in
            guard let self else { return }
            var changed: [String] = []
            for f in files {
                let now = Self.stamp(f)
                if self.certificateStamps[f] != now {
                    self.certificateStamps[f] = now
                    changed.append(f)
                }
            }
            if !changed.isEmpty {
                do {
                    let fresh = try TLSRegistry(config: self.config, localNode: self.core.localNode)
                    self.tls.adopt(fresh)
                    self.logger.info("reloaded TLS certificates and keys", metadata: ["changed": "\(changed)"])
                } catch {
                    self.logger.error(
                        "refusing changed TLS files, keeping the certificates in use",
                        metadata: ["changed": "\(changed)", "reason": "\(error)"]
                    )
                }
            }
            self.watchCertificates()
        }
    }

    /// Opens a stream to (`node`, `service`) as a channel, with TLS above the mesh when
    /// `tlsClient` names a `tls-client` entry (the peer's certificate must then name `node`).
    /// `initializer` adds the handlers that consume the stream before any byte can arrive; the
    /// channel allows remote half-closure. Calls back once, when the stream is open (and the TLS
    /// handshake done) or has failed.
    public func openStream(
        to node: String,
        service: String,
        tlsClient: String?,
        initializer: @escaping (any Channel) throws -> Void,
        completion: @escaping (Result<any Channel, any Error>) -> Void
    ) {
        var setup: TLSSetup?
        if let name = tlsClient, !name.isEmpty {
            guard let s = tls.clients[name] else {
                completion(.failure(MeshStreamError(message: "unknown TLS config \(name)")))
                return
            }
            setup = s
        }
        MeshDialer.dial(core: core, node: node, service: service, tls: setup, logger: logger, initializer: initializer)
            .assumeIsolated()
            .whenComplete { result in completion(result.map { $0 as any Channel }) }
    }

    /// Whether a `tls-client` entry of this name exists.
    public func hasTLSClient(_ name: String) -> Bool { tls.clients[name] != nil }

    /// Work units by state name, for metrics (set by the work-unit manager before start).
    public var workStateCounts: (() -> [String: Int])?

    /// Failed work-unit status writes since start-up, for metrics (set by the work-unit manager before start).
    public var workStatusWriteFailures: (() -> UInt64)?

    /// The configuration the node runs with.
    public var configuration: ReceptorConfig { config }

    /// The TCP port of the first listener (for tests that bind port 0).
    public var listenerPorts: [Int] { backends.compactMap(\.boundPort) }

    /// How long ``drainAndStop()`` lets open streams run on before it resets them.
    public var drainDeadline: TimeAmount = .seconds(3)

    /// The graceful stop (SIGTERM): stops accepting (control services, inbound proxies, new
    /// streams from peers, which are reset with `node shutting down`), lets the streams already
    /// open finish for up to ``drainDeadline`` while the links stay up to carry them, then
    /// ``stop()``s. Work-unit state is on disk at every change, so nothing else needs saving.
    public func drainAndStop() -> EventLoopFuture<Void> {
        certificateTimer?.cancel()
        for c in controlListeners { c.stop() }
        for p in tcpServers { p.stop() }
        for p in unixServers { p.stop() }
        for p in udpServers { p.stop() }
        let loop = core.loop
        let open = core.streams.count
        if open > 0 {
            logger.info("draining open streams before stopping", metadata: ["streams": "\(open)", "deadline": "\(drainDeadline)"])
        }
        let drained = Self.within(drainDeadline, core.streams.drain(), on: loop) { [core, logger] in
            logger.warning("streams still open at the drain deadline; resetting them", metadata: ["streams": "\(core.streams.count)"])
        }
        return drained.assumeIsolated().flatMap { [self] in self.stop() }.nonisolated()
    }

    /// How long ``stop()`` waits for links to finish closing (a frozen peer never answers TLS's close).
    public var linkCloseDeadline: TimeAmount = .seconds(2)

    /// Stops everything: links closed cleanly, listeners closed. The future completes once every
    /// link's channel has closed (its reject frame and TLS close written), or after
    /// ``linkCloseDeadline``, whichever is first; it never fails.
    @discardableResult
    public func stop() -> EventLoopFuture<Void> {
        certificateTimer?.cancel()
        stopBackends()
        for c in controlListeners { c.stop() }
        for p in tcpServers { p.stop() }
        for p in tcpClients { p.stop() }
        for p in unixServers { p.stop() }
        metricsServer?.stop()
        for p in unixClients { p.stop() }
        for p in commandServices { p.stop() }
        for p in udpServers { p.stop() }
        for p in udpClients { p.stop() }
        core.streams.resetAll(reason: "node shutting down")
        let closing = EventLoopFuture.andAllComplete(core.closeAllLinks(reason: "node shutting down"), on: core.loop)
        return Self.within(linkCloseDeadline, closing, on: core.loop) {}
    }

    /// Completes when `future` does or after `limit`, whichever is first (running `onTimeout`
    /// then); never fails.
    private static func within(
        _ limit: TimeAmount,
        _ future: EventLoopFuture<Void>,
        on loop: any EventLoop,
        onTimeout: @escaping () -> Void
    ) -> EventLoopFuture<Void> {
        let done = loop.makePromise(of: Void.self)
        let timer = loop.assumeIsolated().scheduleTask(in: limit) {
            onTimeout()
            done.succeed()
        }
        future.assumeIsolated().whenComplete { _ in
            timer.cancel()
            done.succeed()
        }
        return done.futureResult
    }
}
