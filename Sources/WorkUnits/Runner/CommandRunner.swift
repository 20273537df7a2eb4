import Foundation

/// The detached process that runs one unit's command: `receptord __work-runner <unit directory>`.
///
/// The daemon starts it in a new session, so it and the command survive a restart (or a crash) of
/// the daemon. It connects the command's stdin to the unit's `stdin` file and stdout and stderr to
/// its `stdout` file (appending), records the command's PID, waits, and records how the command
/// ended. The daemon only reads these records, so it can pick the unit up again after a restart.
public enum CommandRunner {
    /// Runs the unit's command; returns the runner's exit status (0 when the outcome was recorded).
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
            try? RunnerFiles.writeJSON(["error": message], directory: dir, name: RunnerFiles.exit)
            return 1
        }
        let me = getpid()
        try? RunnerFiles.writeJSON(
            ["runner": Int(me), "pid": Int(pid), "start": RunnerFiles.processStartTicks(me) ?? 0],
            directory: dir,
            name: RunnerFiles.runner
        )
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        let outcome: [String: Any] = exited ? ["code": Int((status >> 8) & 0xff)] : ["signal": Int(status & 0x7f)]
        try? RunnerFiles.writeJSON(outcome, directory: dir, name: RunnerFiles.exit)
        return 0
    }

    /// Closes every descriptor above stderr that the daemon left open across exec (event loops,
    /// sockets), so neither the runner nor the command holds the daemon's listeners or locks and a
    /// restarted daemon can bind them again.
    static func closeInheritedDescriptors() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for name in entries {
            if let fd = Int32(name), fd > 2 { close(fd) }
        }
    }
}
