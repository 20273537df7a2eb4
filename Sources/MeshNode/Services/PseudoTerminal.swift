import CPseudoTerminal

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A command running on a new pseudo-terminal: the child is a session leader whose controlling
/// terminal (and stdin, stdout, stderr) is the terminal's secondary side; the daemon keeps the
/// primary side.
struct PseudoTerminal {
    /// Our end of the terminal (close-on-exec, non-blocking).
    let primary: Int32
    /// The command's process.
    let pid: pid_t

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// glibc's `POSIX_SPAWN_SETSID` (not imported into Swift).
    private static let spawnSetSID: Int32 = 0x80

    /// Starts `arguments` (the program looked up in `PATH`) on a new terminal.
    static func spawn(_ arguments: [String]) throws(SpawnError) -> PseudoTerminal {
        var nameBuffer = [CChar](repeating: 0, count: 128)
        let primary = cpt_open_primary(&nameBuffer, nameBuffer.count)
        guard primary >= 0 else {
            throw SpawnError(description: "cannot open a pseudo-terminal: \(Self.errorText(errno))")
        }
        let secondaryPath = String(decoding: nameBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new session, so that opening the terminal below makes it the controlling terminal;
        // default signal handling and an empty mask, whatever the daemon uses.
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(spawnSetSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, secondaryPath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, arguments[0], &actions, &attributes, cArguments, environ)
        guard rc == 0 else {
            close(primary)
            throw SpawnError(description: "cannot start \(arguments[0]): \(Self.errorText(rc))")
        }
        return PseudoTerminal(primary: primary, pid: pid)
    }

    private static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(validatingCString: text) ?? "errno \(code)"
    }

    /// Reaps the child if it has exited; returns true once it is gone.
    func reap() -> Bool {
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        return rc == pid || (rc < 0 && errno == ECHILD)
    }
}
