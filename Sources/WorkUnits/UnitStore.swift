import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The on-disk store of work units under one node's data directory.
///
/// Layout: `<nodeDirectory>/<unitID>/` (mode 0700) holding `status` (JSON, see ``WorkStatus``), `status.lock`,
/// and the unit's `stdin` and `stdout` (mode 0600). `<nodeDirectory>/.secret-key` is the ``SecretBox`` key.
///
/// - Every unit ID is checked with ``UnitID/isValid(_:)`` before any path is built from it; an invalid ID is
///   reported as `unknown work unit <id>` without touching the file system.
/// - `status` is replaced atomically (temporary file, fsync, rename, directory fsync), so a reader (``read(_:)``)
///   sees the previous or the next record, never a torn one, whatever moment a writer dies at.
/// - Writers (``write(_:_:)``, ``update(_:_:)``) serialize on an `flock` of `status.lock`, which also excludes
///   writers in other processes (a detached command runner).
///
/// The store holds no state besides its paths, so it is cheap to share and safe to use from any thread.
public final class UnitStore: Sendable {
    /// The node's data directory, `<datadir>/<nodeID>`.
    public let nodeDirectory: String
    /// Seals `secret_*` parameters in status files.
    public let secrets: SecretBox

    /// The name of the status file inside a unit directory.
    public static let statusFileName = "status"
    /// The name of the lock file inside a unit directory.
    public static let lockFileName = "status.lock"
    /// The prefix of a status file being written (a leftover one is removed by ``list()``).
    public static let temporaryStatusPrefix = "status.tmp."
    /// The marker in the name of a unit directory being removed.
    static let removingMarker = ".removing."

    /// The files a unit directory holds besides its status.
    public enum UnitFile: String, Sendable {
        /// The payload received with `work submit`.
        case stdin
        /// The worker's output (stdout and stderr together for command units).
        case stdout
    }

    /// Opens the store, creating `nodeDirectory` (and its parents) if needed; a new node directory gets mode 0700.
    /// - Parameter nodeDirectory: `<datadir>/<nodeID>`.
    /// - Throws: ``WorkUnitError`` with code ``WorkUnitError/Code/fileSystem`` if it cannot be created.
    public init(nodeDirectory: String) throws {
        var path = nodeDirectory
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        do {
            try FileManager.default.createDirectory(
                atPath: path,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: Int(FileIO.privateDirectoryMode)]
            )
        } catch {
            throw WorkUnitError(.fileSystem, "could not create data directory \(path): \(error.localizedDescription)")
        }
        guard FileIO.isDirectory(path) else {
            throw WorkUnitError(.fileSystem, "data directory \(path) is not a directory")
        }
        self.nodeDirectory = path
        self.secrets = SecretBox(nodeDirectory: path)
    }

    // MARK: - Paths

    /// The unit's directory.
    /// - Throws: `unknown work unit <id>` if `id` is not a valid ID (nothing is checked on disk).
    public func unitDirectory(_ id: String) throws -> String {
        guard UnitID.isValid(id) else { throw WorkUnitError.unknownUnit(id) }
        return nodeDirectory + "/" + id
    }

    /// The unit's directory, which must exist as a real directory (a symbolic link does not count).
    private func existingUnitDirectory(_ id: String) throws -> String {
        let directory = try unitDirectory(id)
        guard FileIO.isDirectory(directory) else { throw WorkUnitError.unknownUnit(id) }
        return directory
    }

    /// The path of the unit's `stdin` file.
    /// - Throws: `unknown work unit <id>` if `id` is not a valid ID.
    public func stdinPath(_ id: String) throws -> String {
        try unitDirectory(id) + "/" + UnitFile.stdin.rawValue
    }

    /// The path of the unit's `stdout` file.
    /// - Throws: `unknown work unit <id>` if `id` is not a valid ID.
    public func stdoutPath(_ id: String) throws -> String {
        try unitDirectory(id) + "/" + UnitFile.stdout.rawValue
    }

    /// The size of the unit's `stdout` file; 0 if the file (or the unit) does not exist or the ID is invalid.
    public func stdoutSize(_ id: String) -> Int64 {
        // An invalid ID names no file: 0, as documented.
        guard let path = try? stdoutPath(id) else { return 0 }
        return FileIO.regularFileSize(path) ?? 0
    }

    /// Whether a unit directory exists for `id` (its status may still be unreadable).
    public func exists(_ id: String) -> Bool {
        // The only question is yes or no: an invalid ID or a missing directory is "no".
        (try? existingUnitDirectory(id)) != nil
    }

    /// Opens one of the unit's files for writing, creating it with mode 0600. A symbolic link is refused.
    /// - Parameters:
    ///   - file: ``UnitFile/stdin`` or ``UnitFile/stdout``.
    ///   - id: The unit.
    ///   - append: Append to existing content instead of truncating it.
    /// - Throws: `unknown work unit <id>` for an invalid ID or a missing unit; a file-system error otherwise.
    public func openForWriting(_ file: UnitFile, of id: String, append: Bool = false) throws -> FileHandle {
        let path = try existingUnitDirectory(id) + "/" + file.rawValue
        do {
            let fd = try FileIO.open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | (append ? O_APPEND : O_TRUNC))
            return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        } catch where error.code == ENOENT {
            throw WorkUnitError.unknownUnit(id)
        } catch {
            throw WorkUnitError(.fileSystem, error.description)
        }
    }

    // MARK: - Records

    /// Allocates a new unit: a fresh random ID claimed by creating its directory, and an initial status.
    /// - Parameters:
    ///   - workType: The work type (`"remote"` for a remote unit).
    ///   - state: The initial state.
    ///   - detail: The initial detail.
    ///   - extraData: The initial extra data.
    /// - Returns: The new ID and the status written.
    public func create(
        workType: String,
        state: WorkState = .pending,
        detail: String = "Unit Created",
        extraData: ExtraData = .none
    ) throws -> (id: String, status: WorkStatus) {
        let status = WorkStatus(state: state, detail: detail, workType: workType, extraData: extraData)
        while true {
            let id = UnitID.generate()
            let directory = nodeDirectory + "/" + id
            do {
                guard try FileIO.makeDirectory(directory) else { continue }
                try FileIO.syncDirectory(nodeDirectory)
            } catch {
                throw WorkUnitError(.fileSystem, error.description)
            }
            do {
                try write(id, status)
            } catch {
                // Best effort: the write error is what the caller reports; a directory left behind has no
                // status, so list() never shows it.
                try? FileManager.default.removeItem(atPath: directory)
                throw error
            }
            return (id, status)
        }
    }

    /// The unit's current status.
    /// - Throws: `unknown work unit <id>` if the ID is invalid, or there is no such unit or no status file;
    ///   ``WorkUnitError/Code/corruptStatus`` or ``WorkUnitError/Code/secrets`` if the file cannot be decoded.
    public func read(_ id: String) throws -> WorkStatus {
        let directory = try existingUnitDirectory(id)
        let data: Data?
        do {
            data = try FileIO.readFileIfExists(directory + "/" + Self.statusFileName)
        } catch where error.code == ENOTDIR {
            throw WorkUnitError.unknownUnit(id)
        } catch {
            throw WorkUnitError(.fileSystem, error.description)
        }
        guard let data else { throw WorkUnitError.unknownUnit(id) }
        do {
            return try WorkStatus(diskJSON: data, secrets: secrets)
        } catch let error as WorkUnitError where error.code == .corruptStatus {
            throw WorkUnitError(.corruptStatus, "work unit \(id): \(error.message)")
        }
    }

    /// Replaces the unit's status atomically.
    /// - Throws: `unknown work unit <id>` if the ID is invalid or the unit directory does not exist (it is never
    ///   created here); a file-system or secrets error otherwise.
    public func write(_ id: String, _ status: WorkStatus) throws {
        let directory = try existingUnitDirectory(id)
        try withUnitLock(id, directory: directory) {
            try replaceStatus(id, directory: directory, status)
        }
    }

    /// Reads, modifies and writes the unit's status under its lock, so concurrent updates (from any thread or
    /// process using the store) are never lost.
    /// - Parameters:
    ///   - id: The unit.
    ///   - body: Changes the record; if it throws, nothing is written.
    /// - Returns: The record written.
    @discardableResult
    public func update(_ id: String, _ body: (inout WorkStatus) throws -> Void) throws -> WorkStatus {
        let directory = try existingUnitDirectory(id)
        return try withUnitLock(id, directory: directory) {
            var status = try read(id)
            try body(&status)
            try replaceStatus(id, directory: directory, status)
            return status
        }
    }

    /// What ``listing()`` found: the units with a readable status, and those whose status exists but could not be
    /// read (corrupt, sealed with a lost key, a file-system error), with the reason.
    public struct Listing: Sendable {
        /// Every unit with a readable status, by ID.
        public var units: [String: WorkStatus] = [:]
        /// Units whose status exists but could not be read, by ID.
        public var unreadable: [String: WorkUnitError] = [:]
    }

    /// Every unit with a readable status, by ID (``listing()`` without the unreadable ones).
    /// - Throws: ``WorkUnitError/Code/fileSystem`` if the node directory cannot be read.
    public func list() throws -> [String: WorkStatus] {
        try listing().units
    }

    /// Every unit on disk, readable or not.
    ///
    /// Entries whose names are not valid IDs, that are not directories, or that have no status file (yet, or any
    /// more) are skipped. A status that exists but does not decode is reported in ``Listing/unreadable``, never
    /// half-shown. Leftover `status.tmp.*` files of dead writers are removed (only when no writer holds the
    /// unit's lock), and so are the remains of interrupted ``remove(_:)`` calls.
    /// - Throws: ``WorkUnitError/Code/fileSystem`` if the node directory cannot be read: an empty answer would
    ///   claim there are no units.
    public func listing() throws -> Listing {
        let fileManager = FileManager.default
        let names: [String]
        do {
            names = try fileManager.contentsOfDirectory(atPath: nodeDirectory)
        } catch {
            throw WorkUnitError(.fileSystem, "could not list work units in \(nodeDirectory): \(error.localizedDescription)")
        }
        var result = Listing()
        for name in names {
            let path = nodeDirectory + "/" + name
            if name.hasPrefix("."), name.contains(Self.removingMarker) {
                // Best effort: the unit is already gone; whatever is left is tried again at the next listing.
                if FileIO.isDirectory(path) { try? fileManager.removeItem(atPath: path) }
                continue
            }
            guard UnitID.isValid(name), FileIO.isDirectory(path) else { continue }
            removeStaleTemporaryFiles(in: path)
            do {
                result.units[name] = try read(name)
            } catch let error as WorkUnitError where error.code == .unknownUnit {
                // No status file: a unit being created or removed right now.
                continue
            } catch let error as WorkUnitError {
                result.unreadable[name] = error
            } catch {
                result.unreadable[name] = WorkUnitError(.fileSystem, "work unit \(name): \(error)")
            }
        }
        return result
    }

    /// Deletes the unit's directory and everything in it, in one try that never waits.
    ///
    /// The directory is first renamed to a hidden name, so the unit disappears at once and a crash part-way
    /// through leaves nothing that looks like a unit; then the tree is deleted. If the deletion fails, the unit is
    /// gone from view all the same and the error is thrown; calling `remove` again with the same ID takes up the
    /// hidden remains where the last try left them (and ``listing()`` deletes any that are left).
    ///
    /// Retries are the caller's to schedule (receptor: 3 tries, 1 s apart; force-release: one try). This method
    /// used to sleep between its tries, which blocked the calling thread, the mesh event loop with every link,
    /// stream and control session on it, for up to two seconds; the work manager now schedules its retries on
    /// the loop (`WorkManager.removeUnit`), so nothing here waits.
    /// - Throws: `unknown work unit <id>` if the ID is invalid or there is no such unit (nor remains of one); a
    ///   file-system error if the directory could not be renamed or deleted.
    public func remove(_ id: String) throws {
        guard UnitID.isValid(id) else { throw WorkUnitError.unknownUnit(id) }
        var targets: [String] = []
        if let directory = try? existingUnitDirectory(id) {
            let hidden = nodeDirectory + "/" + Self.removingPrefix(id) + UnitID.generate()
            if rename(directory, hidden) == 0 {
                targets.append(hidden)
                // Best effort: the rename is done and visible; the fsync only makes it durable sooner, and a
                // unit that reappears after a crash before it is still removable.
                try? FileIO.syncDirectory(nodeDirectory)
            } else if errno != ENOENT {
                let error = FileIOError(operation: "rename", path: directory, code: errno)
                throw WorkUnitError(.fileSystem, "could not remove work unit \(id): \(error)")
            }
        }
        // Remains of earlier tries whose deletion failed part-way.
        targets += interruptedRemovals(of: id).filter { !targets.contains($0) }
        guard !targets.isEmpty else { throw WorkUnitError.unknownUnit(id) }
        var lastError: String?
        for path in targets {
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                // Gone anyway (a concurrent list() may have cleaned it up)?
                if FileIO.exists(path) { lastError = error.localizedDescription }
            }
        }
        if let lastError { throw WorkUnitError(.fileSystem, "could not remove work unit \(id): \(lastError)") }
    }

    /// The start of the hidden name a unit directory is renamed to while it is removed.
    private static func removingPrefix(_ id: String) -> String { "." + id + removingMarker }

    /// The hidden directories of interrupted removals of `id`.
    private func interruptedRemovals(of id: String) -> [String] {
        let prefix = Self.removingPrefix(id)
        // Best effort: an unreadable node directory hides no remains we could delete anyway.
        let names = (try? FileManager.default.contentsOfDirectory(atPath: nodeDirectory)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.map { nodeDirectory + "/" + $0 }.filter(FileIO.isDirectory)
    }

    // MARK: - Internals

    private func withUnitLock<T>(_ id: String, directory: String, _ body: () throws -> T) throws -> T {
        do {
            return try FileIO.withExclusiveLock(directory + "/" + Self.lockFileName, body)
        } catch let error as FileIOError where error.code == ENOENT || error.code == ENOTDIR {
            throw WorkUnitError.unknownUnit(id)
        } catch let error as FileIOError {
            throw WorkUnitError(.fileSystem, error.description)
        }
    }

    /// Writes the status file; the caller holds the unit lock.
    private func replaceStatus(_ id: String, directory: String, _ status: WorkStatus) throws {
        let data = try status.diskJSON(secrets: secrets)
        do {
            try FileIO.replaceAtomically(directory: directory, name: Self.statusFileName, data: data)
        } catch where error.code == ENOENT {
            throw WorkUnitError.unknownUnit(id)
        } catch {
            throw WorkUnitError(.fileSystem, error.description)
        }
    }

    private func removeStaleTemporaryFiles(in directory: String) {
        // Best effort cleanup: an unreadable directory keeps its leftovers until a later listing; reading the
        // unit's status reports the real problem.
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory),
            names.contains(where: { $0.hasPrefix(Self.temporaryStatusPrefix) })
        else { return }
        _ = FileIO.ifUnlocked(directory + "/" + Self.lockFileName) {
            for name in names where name.hasPrefix(Self.temporaryStatusPrefix) {
                FileIO.unlinkQuietly(directory + "/" + name)
            }
        }
    }
}
