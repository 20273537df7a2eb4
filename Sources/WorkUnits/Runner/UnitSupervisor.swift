import Foundation
import NIOCore

/// Watches one running command unit from the daemon: starts its runner (or adopts one that survived
/// a restart), notices when the command has started and when it has ended, and sends signals for
/// cancel. Everything runs on the mesh event loop; checks are cheap file reads every 100 ms.
final class UnitSupervisor {
    let id: String
    let directory: String
    private let loop: any EventLoop
    private var task: Scheduled<Void>?
    /// The runner, once known; `isOurChild` when this daemon started it (so it must be reaped).
    private(set) var runnerPID: Int32?
    private var isOurChild = false
    private var runnerStartTicks: UInt64?
    /// The command's PID once the runner reported it.
    private(set) var commandPID: Int32?
    /// Called once when the runner reports the command's PID.
    var onStarted: ((Int32) -> Void)?
    /// Called once with the outcome; the supervisor stops itself first.
    var onExit: ((RunnerFiles.Exit?) -> Void)?
    private var missingRunnerChecks = 0

    /// glibc's `POSIX_SPAWN_SETSID` (not imported into Swift): the runner gets its own session.
    static let posixSpawnSetSID: Int32 = 0x80

    init(id: String, directory: String, loop: any EventLoop) {
        self.id = id
        self.directory = directory
        self.loop = loop
    }

    /// Starts `receptord __work-runner <dir>` in a new session.
    func launch(runnerExecutable: String, argv: [String]) throws {
        try RunnerFiles.writeCommand(argv: argv, directory: directory)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(Self.posixSpawnSetSID))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        // The runner's stderr: why it could not record something, read back when a unit ends without an outcome.
        posix_spawn_file_actions_addopen(&actions, 2, directory + "/" + RunnerFiles.log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        let args = [runnerExecutable, "__work-runner", directory]
        let cArgs = args.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, runnerExecutable, &actions, &attributes, cArgs, environ)
        guard rc == 0 else { throw RunnerError("cannot start the command runner: \(String(cString: strerror(rc)))") }
        runnerPID = pid
        isOurChild = true
        watch()
    }

    /// Picks up a unit whose runner was started by an earlier run of the daemon. Returns false if
    /// the runner is gone and left no outcome (the caller fails the unit).
    func adopt() -> Bool {
        if RunnerFiles.readExit(directory: directory) != nil {
            watch()
            return true
        }
        guard let started = RunnerFiles.readStarted(directory: directory) else { return false }
        guard RunnerFiles.processStartTicks(started.runnerPID) == started.startTicks, started.startTicks != 0 else {
            return false
        }
        runnerPID = started.runnerPID
        runnerStartTicks = started.startTicks
        commandPID = started.pid
        watch()
        return true
    }

    private func watch(after delay: TimeAmount = .milliseconds(20)) {
        task = loop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            guard let self, self.task != nil else { return }
            self.check()
            if self.task != nil { self.watch(after: .milliseconds(100)) }
        }
    }

    private func check() {
        if commandPID == nil, let started = RunnerFiles.readStarted(directory: directory) {
            commandPID = started.pid
            runnerStartTicks = started.startTicks
            onStarted?(started.pid)
        }
        if let exit = RunnerFiles.readExit(directory: directory) {
            finish(exit)
            return
        }
        // The runner died without recording an outcome (killed, or the machine rebooted).
        if let pid = runnerPID, !runnerAlive(pid) {
            missingRunnerChecks += 1
            if missingRunnerChecks >= 2 { finish(RunnerFiles.readExit(directory: directory)) }
        }
    }

    private func runnerAlive(_ pid: Int32) -> Bool {
        if isOurChild {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                isOurChild = false
                return false
            }
            return r == 0
        }
        guard let ticks = RunnerFiles.processStartTicks(pid) else { return false }
        return runnerStartTicks == nil || ticks == runnerStartTicks
    }

    private func finish(_ exit: RunnerFiles.Exit?) {
        task?.cancel()
        task = nil
        if isOurChild, let pid = runnerPID {
            // Reap it (it exits right after writing the outcome) without blocking the loop.
            isOurChild = false
            Self.reap(pid, on: loop, attempts: 50)
        }
        let callback = onExit
        onExit = nil
        callback?(exit)
    }

    private static func reap(_ pid: Int32, on loop: any EventLoop, attempts: Int) {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == 0, attempts > 0 else { return }
        loop.assumeIsolated().scheduleTask(in: .milliseconds(100)) { reap(pid, on: loop, attempts: attempts - 1) }
    }

    /// Sends a signal to the command's process group (cancel: SIGINT, then SIGKILL), so children of
    /// a shell command stop too; falls back to the process alone.
    func signal(_ sig: Int32) {
        guard let pid = commandPID else { return }
        if kill(-pid, sig) != 0 { kill(pid, sig) }
    }

    var isRunning: Bool { task != nil }

    func stopWatching() {
        task?.cancel()
        task = nil
    }
}

/// Go's names for signals in `signal: <name>` details.
enum SignalName {
    static func of(_ sig: Int32) -> String {
        switch sig {
        case SIGHUP: "hangup"
        case SIGINT: "interrupt"
        case SIGQUIT: "quit"
        case SIGILL: "illegal instruction"
        case SIGTRAP: "trace/breakpoint trap"
        case SIGABRT: "aborted"
        case SIGBUS: "bus error"
        case SIGFPE: "floating point exception"
        case SIGKILL: "killed"
        case SIGUSR1: "user defined signal 1"
        case SIGSEGV: "segmentation fault"
        case SIGUSR2: "user defined signal 2"
        case SIGPIPE: "broken pipe"
        case SIGALRM: "alarm clock"
        case SIGTERM: "terminated"
        default: "signal \(sig)"
        }
    }
}
