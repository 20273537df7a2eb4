import Foundation
import Logging
import MeshConfig
import MeshNode
import MeshProtocol
import NIOCore

/// Serves `work` commands and owns this node's work units: the on-disk store, the command runners
/// (detached processes that outlive a daemon restart), results streaming, cancel and release.
///
/// Confinement: everything runs on the mesh event loop, like the rest of the node. File reads and
/// writes here are small or sequential (status records, payload chunks as they arrive, 256 KiB
/// result chunks), so they are done inline.
public final class WorkManager: WorkCommandHandler {
    /// Streams to other nodes' control services (remote units): the daemon, or a test's fake.
    unowned let mesh: any MeshStreamOpener
    /// This node's ID.
    let localNode: String
    let store: UnitStore
    /// Status reads and writes, with failed writes logged, counted and kept in memory.
    let statuses: StatusKeeper
    let workTypes: [String: WorkCommandEntry]
    let verifier: WorkVerifier
    /// Signs remote submissions when `work-signing` is configured.
    let signer: WorkSigner?
    /// Units running on other nodes that this node is driving.
    var remoteUnits: [String: RemoteUnit] = [:]
    let runnerExecutable: String
    let logger: Logger
    var loop: any EventLoop { mesh.eventLoop }
    /// The wall clock, for TTLs (a test's own clock in tests).
    let now: () -> Date
    /// Supervisors of units whose command is running (or starting).
    var supervisors: [String: UnitSupervisor] = [:]
    /// Units being cancelled: their next exit is "Canceled".
    var cancelling: [String: [() -> Void]] = [:]
    /// Results streams waiting for a unit to produce more or to end.
    var waiters: [String: [() -> Void]] = [:]
    /// The last unit counts by state that could be taken (for metrics).
    private var lastCounts: [String: Int] = [:]

    /// Grace period between SIGINT and SIGKILL on cancel (receptor: 10 s).
    public var cancelGrace: TimeAmount = .seconds(10)

    /// - Parameters:
    ///   - daemon: the node (its loop, ID, data directory, configuration and mesh streams).
    ///   - runnerExecutable: the `receptord` binary, started as `receptord __work-runner <dir>`.
    public convenience init(daemon: MeshDaemon, runnerExecutable: String, logger: Logger) throws {
        let core = daemon.core
        let config = daemon.configuration
        self.init(
            mesh: daemon,
            localNode: core.localNode,
            store: try UnitStore(nodeDirectory: core.settings.dataDirectory + "/" + core.localNode),
            workCommands: config.workCommands,
            verifier: WorkVerifier(publicKeyPath: config.workVerification?.publicKey),
            signer: config.workSigning.map { WorkSigner(privateKeyPath: $0.privateKey, expiration: $0.tokenExpiration) },
            runnerExecutable: runnerExecutable,
            logger: logger
        )
    }

    /// A manager over any mesh stream opener and store (tests use fakes and a temporary directory).
    /// - Parameters:
    ///   - mesh: streams to other nodes and the event loop everything runs on; not retained.
    ///   - localNode: this node's ID.
    ///   - store: the node's unit store.
    ///   - workCommands: the `work-command` entries (local work types).
    ///   - verifier: checks work signatures.
    ///   - signer: signs remote submissions (`work-signing`), if configured.
    ///   - runnerExecutable: the `receptord` binary that runs commands.
    ///   - now: the wall clock (TTL expirations).
    init(
        mesh: any MeshStreamOpener,
        localNode: String,
        store: UnitStore,
        workCommands: [WorkCommandEntry] = [],
        verifier: WorkVerifier = WorkVerifier(publicKeyPath: nil),
        signer: WorkSigner? = nil,
        runnerExecutable: String = "",
        logger: Logger,
        now: @escaping () -> Date = Date.init
    ) {
        self.mesh = mesh
        self.localNode = localNode
        self.signer = signer
        self.store = store
        self.statuses = StatusKeeper(store: store, logger: logger)
        self.workTypes = Dictionary(workCommands.map { ($0.workType, $0) }, uniquingKeysWith: { a, _ in a })
        self.verifier = verifier
        self.runnerExecutable = runnerExecutable
        self.logger = logger
        self.now = now
    }

    /// The work types to advertise (sorted by name).
    public var advertisedWorkCommands: [WorkCommandAdvertisement] {
        workTypes.values.sorted { $0.workType < $1.workType }.map {
            WorkCommandAdvertisement(workType: $0.workType, secure: $0.verifySignature)
        }
    }

    /// Units by state name (for metrics). If the units cannot be listed, the last counts stand (the keeper
    /// has logged why), rather than gauges that claim there are no units.
    public func countsByState() -> [String: Int] {
        do {
            var counts: [String: Int] = [:]
            for status in try statuses.list().values { counts[status.stateName, default: 0] += 1 }
            lastCounts = counts
        } catch {
            // Logged by the keeper; the previous counts are the best answer.
        }
        return lastCounts
    }

    /// Status writes that failed since start-up (for metrics: `receptord_work_status_write_failures_total`).
    public var statusWriteFailures: UInt64 { statuses.failures }

    // MARK: start-up reconciliation

    /// Looks at every unit on disk and makes its status true again: units that were waiting for
    /// input fail ("Pending at restart"); running units are watched again if their runner is alive,
    /// or fail with a clear reason if it is gone. No unit stays "Running" forever.
    public func start() {
        let units: [String: WorkStatus]
        do {
            units = try statuses.list()
        } catch {
            logger.error("work units were not reconciled at start-up: \(error)")
            return
        }
        for (id, status) in units {
            if status.workType == "remote" {
                reconcileRemote(id, status)
                continue
            }
            switch UnitTransitions.atRestart(status) {
            case .leave:
                continue
            case .fail(let detail):
                statuses.update(id) { s in
                    s.workState = .failed
                    s.detail = detail
                }
            case .adopt:
                let supervisor: UnitSupervisor
                do {
                    supervisor = try makeSupervisor(id)
                } catch {
                    logger.error("could not watch work unit \(id) again: \(error)", metadata: ["unit": "\(id)"])
                    continue
                }
                if supervisor.adopt() {
                    logger.info("re-adopted running work unit", metadata: ["unit": "\(id)"])
                } else {
                    supervisors[id] = nil
                    finish(id, exit: nil, detailIfUnknown: "Failed: the command's runner ended while receptord was down, leaving no exit status")
                }
            }
        }
    }

    func makeSupervisor(_ id: String) throws -> UnitSupervisor {
        let directory = try store.unitDirectory(id)
        let supervisor = UnitSupervisor(id: id, directory: directory, loop: loop)
        supervisor.onStarted = { [weak self] pid in self?.commandStarted(id, pid: pid) }
        supervisor.onExit = { [weak self] exit in
            // A runner that could not record the outcome says why in its log; "Killed" is the default.
            self?.finish(id, exit: exit, detailIfUnknown: RunnerFiles.runnerProblem(directory: directory) ?? "Killed")
        }
        supervisors[id] = supervisor
        return supervisor
    }

    func commandStarted(_ id: String, pid: Int32) {
        statuses.update(id) { s in
            guard !s.isTerminal else { return }
            s.workState = .running
            s.detail = "Running: PID \(pid)"
            if case .command(_, let params) = s.extraData { s.extraData = .command(pid: Int(pid), params: params) }
        }
        wake(id)
    }

    /// Records how a unit's command ended.
    func finish(_ id: String, exit: RunnerFiles.Exit?, detailIfUnknown: String = "Killed") {
        supervisors[id] = nil
        let wasCancelling = cancelling[id] != nil
        let size = store.stdoutSize(id)
        let (state, detail) = UnitTransitions.afterExit(exit, cancelling: wasCancelling, vanishedDetail: detailIfUnknown)
        statuses.update(id) { s in
            s.stdoutSize = size
            s.extraData = .none
            s.workState = state
            s.detail = detail
        }
        if let callbacks = cancelling.removeValue(forKey: id) { callbacks.forEach { $0() } }
        wake(id)
    }

    /// Wakes results streams waiting on `id`.
    func wake(_ id: String) {
        guard let list = waiters.removeValue(forKey: id) else { return }
        list.forEach { $0() }
    }

    /// The status as replies show it: a running unit's size and detail are read live.
    func currentStatus(_ id: String) throws -> WorkStatus {
        var status = try statuses.status(id)
        if !status.isTerminal && status.workType != "remote" {
            status.stdoutSize = store.stdoutSize(id)
        }
        return status
    }

    // MARK: dispatch

    public func work(_ arguments: ControlArguments, exchange: ControlExchange) {
        let request: WorkRequest
        do {
            request = try WorkRequest.parse(arguments)
        } catch {
            exchange.replyError(error.description)
            exchange.done()
            return
        }
        switch request {
        case .submit(let submission):
            submit(submission, exchange: exchange)
        case .list(let id):
            list(id, exchange: exchange)
        case .status(let id):
            do {
                exchange.reply(try currentStatus(try known(id)).controlObject())
            } catch {
                exchange.replyError("\(error)")
            }
            exchange.done()
        case .results(let id, let start, let signature):
            withKnownUnit(id, signature: signature, exchange: exchange) { _ in self.results(id, from: start, exchange: exchange) }
        case .cancel(let id, let signature):
            withKnownUnit(id, signature: signature, exchange: exchange) { status in
                self.cancel(id, status: status, exchange: exchange)
            }
        case .release(let id, let force, let signature):
            withKnownUnit(id, signature: signature, exchange: exchange) { status in
                self.release(id, status: status, force: force, exchange: exchange)
            }
        }
    }

    /// Validates the ID (never a path) and that the unit exists.
    func known(_ id: String) throws -> String {
        guard UnitID.isValid(id), store.exists(id) else { throw WorkUnitError.unknownUnit(id) }
        return id
    }

    private func list(_ id: String?, exchange: ControlExchange) {
        if let id {
            do {
                let status = try currentStatus(try known(id))
                exchange.reply(.object([id: status.controlObject()]))
            } catch {
                exchange.replyError("\(error)")
            }
        } else {
            do {
                var all: [String: JSONValue] = [:]
                for (unit, status) in try statuses.list() {
                    var s = status
                    if !s.isTerminal && s.workType != "remote" { s.stdoutSize = store.stdoutSize(unit) }
                    all[unit] = s.controlObject()
                }
                exchange.reply(.object(all))
            } catch {
                exchange.replyError("\(error)")
            }
        }
        exchange.done()
    }

    /// Runs `body` with the unit's status once the unit is known and any signature it requires has checked out.
    private func withKnownUnit(
        _ id: String,
        signature: String?,
        exchange: ControlExchange,
        _ body: @escaping (WorkStatus) -> Void
    ) {
        let status: WorkStatus
        do {
            status = try statuses.status(try known(id))
        } catch {
            exchange.replyError("\(error)")
            exchange.done()
            return
        }
        let required = status.workType == "remote" ? (status.extraData.remote?.signWork ?? false) : (workTypes[status.workType]?.verifySignature ?? false)
        checkSignature(required: required, signature: signature, exchange: exchange) { [weak self] in
            guard let self else { return }
            // Read again: a signature check can take a while, and the unit may have moved on meanwhile.
            let current: WorkStatus
            do {
                current = try self.statuses.status(id)
            } catch {
                exchange.replyError("\(error)")
                exchange.done()
                return
            }
            body(current)
        }
    }

    /// Receptor's signature rules (control-protocol.md 8): a signature where none is expected is an
    /// error; a required one is verified unless the session is on the unix socket.
    func checkSignature(required: Bool, signature: String?, exchange: ControlExchange, then body: @escaping () -> Void) {
        if !required {
            if let signature, !signature.isEmpty {
                exchange.replyError("work type did not expect a signature")
                exchange.done()
                return
            }
            body()
            return
        }
        if exchange.trusted {
            body()
            return
        }
        let verifier = self.verifier
        let node = localNode
        let token = signature ?? ""
        let promise = loop.makePromise(of: Void.self)
        promise.completeWithTask { try await verifier.verify(token, nodeID: node) }
        promise.futureResult.assumeIsolated().whenComplete { result in
            switch result {
            case .success:
                body()
            case .failure(let error):
                exchange.replyError("\(error)")
                exchange.done()
            }
        }
    }
}
