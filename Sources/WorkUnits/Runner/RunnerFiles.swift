import Foundation

/// The files through which the daemon and a unit's command runner talk, inside the unit directory.
/// Each is written once, atomically (temporary file, fsync, rename), so a reader sees all or nothing.
///
/// - `command.json` (daemon -> runner): `{"argv": [...]}`.
/// - `runner.json` (runner -> daemon): `{"runner": pid, "pid": commandPid, "start": bootTimeTicks}`.
/// - `exit.json` (runner -> daemon): `{"code": n}` or `{"signal": n}` when the command has ended.
public enum RunnerFiles {
    public static let command = "command.json"
    public static let runner = "runner.json"
    public static let exit = "exit.json"
    /// The runner's stderr (runner -> daemon): why a record could not be written, if it could not.
    public static let log = "runner.log"
    /// The start of a line in `runner.log` that reports a failure of the runner.
    static let problemPrefix = "work runner: "

    /// How the command ended.
    public enum Exit: Equatable, Sendable {
        case code(Int32)
        case signal(Int32)
        /// The command could not be started (e.g. not found on PATH).
        case notStarted(String)
    }

    /// What the runner reports once the command is running.
    public struct Started: Equatable, Sendable {
        public var runnerPID: Int32
        public var pid: Int32
        /// The runner's start time in clock ticks since boot (`/proc/<pid>/stat` field 22), so a
        /// recycled PID is never mistaken for the runner after a restart.
        public var startTicks: UInt64
    }

    static func writeJSON(_ object: [String: Any], directory: String, name: String) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let tmp = directory + "/." + name + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw RunnerError("cannot write \(tmp): \(String(cString: strerror(errno)))") }
        let ok = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        fsync(fd)
        close(fd)
        guard ok, rename(tmp, directory + "/" + name) == 0 else { throw RunnerError("cannot write \(name)") }
    }

    static func readJSON(directory: String, name: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
        // The files are replaced atomically, so a reader never sees half of one; anything unparsable reads as
        // "not there yet", and a unit whose runner ends without a readable outcome fails saying so.
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// The last failure the runner reported in `runner.log` (for the Detail of a unit that ended without a
    /// recorded outcome), or nil if it reported none.
    public static func runnerProblem(directory: String) -> String? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + log) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard let last = lines.last(where: { $0.hasPrefix(problemPrefix) }) else { return nil }
        return "Failed: " + last
    }

    public static func writeCommand(argv: [String], directory: String) throws {
        try writeJSON(["argv": argv], directory: directory, name: command)
    }

    public static func readCommand(directory: String) -> [String]? {
        readJSON(directory: directory, name: command)?["argv"] as? [String]
    }

    public static func readStarted(directory: String) -> Started? {
        guard let o = readJSON(directory: directory, name: runner),
            let r = (o["runner"] as? NSNumber)?.int32Value,
            let p = (o["pid"] as? NSNumber)?.int32Value
        else { return nil }
        return Started(runnerPID: r, pid: p, startTicks: (o["start"] as? NSNumber)?.uint64Value ?? 0)
    }

    public static func readExit(directory: String) -> Exit? {
        guard let o = readJSON(directory: directory, name: exit) else { return nil }
        if let c = (o["code"] as? NSNumber)?.int32Value { return .code(c) }
        if let s = (o["signal"] as? NSNumber)?.int32Value { return .signal(s) }
        if let e = o["error"] as? String { return .notStarted(e) }
        return nil
    }

    /// Start time of a process in clock ticks since boot, or nil if it does not exist.
    public static func processStartTicks(_ pid: Int32) -> UInt64? {
        // No readable /proc/<pid>/stat means no such process, which is what nil says.
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name: state is field 3; starttime is field 22.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}

/// A failure of the runner machinery (not of the command).
public struct RunnerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
