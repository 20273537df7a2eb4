import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call, described as Go describes `*PathError` (`open /x: no such file or directory`).
struct FileIOError: Error, CustomStringConvertible {
    var operation: String
    var path: String
    var code: Int32

    var description: String {
        var text = String(cString: strerror(code))
        if let first = text.first, first.isUppercase {
            text = first.lowercased() + text.dropFirst()
        }
        return "\(operation) \(path): \(text)"
    }
}

/// The few POSIX file operations the store needs, with `O_NOFOLLOW` and `O_CLOEXEC` throughout.
/// Nothing here knows about units.
enum FileIO {
    static let privateFileMode: mode_t = 0o600
    static let privateDirectoryMode: mode_t = 0o700

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Opens `path`, retrying on `EINTR`.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = privateFileMode) throws(FileIOError) -> Int32 {
        while true {
            #if canImport(Darwin)
            let fd = Darwin.open(path, flags | O_CLOEXEC, mode)
            #else
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            #endif
            if fd >= 0 { return fd }
            if errno != EINTR { throw FileIOError(operation: "open", path: path, code: errno) }
        }
    }

    static func close(_ fd: Int32) {
        #if canImport(Darwin)
        _ = Darwin.close(fd)
        #else
        _ = Glibc.close(fd)
        #endif
    }

    /// The whole content of the regular file `path`, or `nil` if it does not exist.
    static func readFileIfExists(_ path: String) throws(FileIOError) -> Data? {
        let fd: Int32
        do {
            fd = try open(path, O_RDONLY | O_NOFOLLOW)
        } catch where error.code == ENOENT {
            return nil
        }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count == 0 {
                return data
            } else if errno != EINTR {
                throw FileIOError(operation: "read", path: path, code: errno)
            }
        }
    }

    /// Writes all of `data` to `fd`.
    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws(FileIOError) {
        var offset = 0
        while offset < data.count {
            let count = data.withUnsafeBytes { bytes in
                write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            }
            if count > 0 {
                offset += count
            } else if count < 0, errno != EINTR {
                throw FileIOError(operation: "write", path: path, code: errno)
            }
        }
    }

    /// Creates `path` (which must not exist) with mode 0600, writes `data` and flushes it to stable storage.
    static func writeNewFile(_ path: String, _ data: Data) throws(FileIOError) {
        let fd = try open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW)
        defer { close(fd) }
        try writeAll(fd, data, path: path)
        if fsync(fd) != 0 { throw FileIOError(operation: "fsync", path: path, code: errno) }
    }

    /// Replaces `directory/name` with `data` atomically: a reader sees the old content or the new, never a mix,
    /// even if the process dies at any point. Writes `name.tmp.<random>`, fsyncs it, renames it over `name`,
    /// then fsyncs the directory so the rename itself is durable.
    static func replaceAtomically(directory: String, name: String, data: Data) throws(FileIOError) {
        let temporary = directory + "/" + name + ".tmp." + UnitID.generate()
        do throws(FileIOError) {
            try writeNewFile(temporary, data)
            if rename(temporary, directory + "/" + name) != 0 {
                throw FileIOError(operation: "rename", path: temporary, code: errno)
            }
        } catch {
            unlinkQuietly(temporary)
            throw error
        }
        try syncDirectory(directory)
    }

    static func syncDirectory(_ path: String) throws(FileIOError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        if fsync(fd) != 0 { throw FileIOError(operation: "fsync", path: path, code: errno) }
    }

    /// Hard-links `source` to `destination`; `false` if `destination` already exists.
    static func linkIfAbsent(_ source: String, to destination: String) throws(FileIOError) -> Bool {
        if link(source, destination) == 0 { return true }
        if errno == EEXIST { return false }
        throw FileIOError(operation: "link", path: destination, code: errno)
    }

    static func unlinkQuietly(_ path: String) {
        _ = unlink(path)
    }

    /// Creates a directory with mode 0700; `false` if something already exists at `path`.
    static func makeDirectory(_ path: String) throws(FileIOError) -> Bool {
        if mkdir(path, privateDirectoryMode) == 0 { return true }
        if errno == EEXIST { return false }
        throw FileIOError(operation: "mkdir", path: path, code: errno)
    }

    /// Whether anything exists at `path` (a symbolic link counts, even a dangling one).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Whether `path` is a directory (a symbolic link to one does not count).
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The size of the regular file `path` (not following a symbolic link), or `nil`.
    static func regularFileSize(_ path: String) -> Int64? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    /// Runs `body` holding an exclusive `flock` on `path` (created 0600 if missing). The lock excludes other
    /// threads and other processes, because each holder opens its own file description.
    static func withExclusiveLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let fd = try open(path, O_RDWR | O_CREAT | O_NOFOLLOW)
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw FileIOError(operation: "flock", path: path, code: errno) }
        }
        return try body()
    }

    /// Runs `body` only if an exclusive `flock` on `path` (created 0600 if missing) can be taken at once;
    /// returns whether it ran.
    static func ifUnlocked(_ path: String, _ body: () -> Void) -> Bool {
        // A lock file that cannot be opened is "not free": false, and the caller's cleanup waits for a later try.
        guard let fd = try? open(path, O_RDWR | O_CREAT | O_NOFOLLOW) else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        body()
        return true
    }
}
