import Foundation

/// The detached process that runs one unit's command: `receptord __work-runner <unit directory>`.
///
/// The daemon starts it in a new session, so it and the command survive a restart (or a crash) of
/// the daemon. It connects the command's stdin to the unit's `stdin` file and stdout and stderr to
/// its `stdout` file (appending), records the command's PID, waits, and records how the command
/// ended. The daemon only reads these records, so it can pick the unit up again after a restart.
public enum CommandRunner {
    /// Runs the unit's command; returns the runner's exit status (0 when the outcome was recorded, 3 when a
    /// record could not be written: the reason is on stderr, which the daemon points at `runner.log`).
    public static func main(unitDirectory dir: String) -> Int32 {
        closeInheritedDescriptors()
        guard let argv = RunnerFiles.readCommand(directory: dir), !argv.isEmpty else {
            FileHandle.standardError.write(Data("work runner: no command in \(dir)\n".utf8))
            return 2
        }
        let stdinFD = open(dir + "/stdin", O_RDONLY | O_CREAT | O_CLOEXEC, 0o600)
        let stdoutFD = open(dir + "/stdout", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard stdinFD >= 0, stdoutFD >= 0 else { return 2 }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinFD, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutFD, 1)
        posix_spawn_file_actions_adddup2(&actions, stdoutFD, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The command gets default signal dispositions and an empty mask, whatever we inherited.
        var defaults = sigset_t()
        sigfillset(&defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        // Its own process group, so cancel can interrupt the whole job (a shell and its children),
        // as Ctrl-C does in a terminal.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        let rc = posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, environ)
        close(stdinFD)
        close(stdoutFD)
        guard rc == 0 else {
            let message = "exec: \"\(argv[0])\": \(String(cString: strerror(rc)))"
            return record(["error": message], as: RunnerFiles.exit, in: dir) ? 1 : 3
        }
        let me = getpid()
        // Without runner.json the daemon cannot signal the command (cancel) or adopt it after a restart;
        // the command still runs and its outcome is still recorded.
        var recorded = record(
            ["runner": Int(me), "pid": Int(pid), "start": RunnerFiles.processStartTicks(me) ?? 0],
            as: RunnerFiles.runner,
            in: dir
        )
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        let outcome: [String: Any] = exited ? ["code": Int((status >> 8) & 0xff)] : ["signal": Int(status & 0x7f)]
        recorded = record(outcome, as: RunnerFiles.exit, in: dir) && recorded
        return recorded ? 0 : 3
    }

    /// Writes one of the runner's records; on failure says so on stderr (`runner.log`, which the daemon
    /// reads when a unit ends without an outcome) and returns false.
    private static func record(_ object: [String: Any], as name: String, in dir: String) -> Bool {
        do {
            try RunnerFiles.writeJSON(object, directory: dir, name: name)
            return true
        } catch {
            FileHandle.standardError.write(Data("\(RunnerFiles.problemPrefix)could not record \(name) in \(dir): \(error)\n".utf8))
            return false
        }
    }

    /// Closes every descriptor above stderr that the daemon left open across exec (event loops,
    /// sockets), so neither the runner nor the command holds the daemon's listeners or locks and a
    /// restarted daemon can bind them again.
    static func closeInheritedDescriptors() {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        } catch {
            // No /proc: close every possible descriptor instead, so none is left open by accident.
            let limit = sysconf(Int32(_SC_OPEN_MAX))
            let end = Int32(clamping: max(3, limit > 0 ? min(limit, 1 << 16) : 1024))
            for fd in 3..<end { close(fd) }
            return
        }
        for name in entries {
            if let fd = Int32(name), fd > 2 { close(fd) }
        }
    }
}
