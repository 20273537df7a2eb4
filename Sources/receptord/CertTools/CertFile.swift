import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing the PEM files of the certificate tools.
enum CertFile {
    /// Reads a whole text file.
    /// - Parameters:
    ///   - path: The file.
    ///   - fields: The entry, for errors.
    ///   - field: The field that named the file.
    static func read(_ path: String, _ fields: CertToolFields, field: String) throws(CertToolError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fields.error(field, "could not read \(path): \(describeErrno(path))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw fields.error(field, "\(path) is not a PEM text file")
        }
        return text
    }

    /// Writes `text` to `path`, replacing it, with the given permission bits.
    /// - Parameters:
    ///   - text: The contents.
    ///   - path: The file.
    ///   - mode: Permission bits for a new file (`0o600` for keys, `0o644` otherwise).
    ///   - fields: The entry, for errors.
    ///   - field: The field that named the file.
    static func write(_ text: String, to path: String, mode: mode_t, _ fields: CertToolFields, field: String) throws(CertToolError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw fields.error(field, "could not write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        _ = fchmod(fd, mode)
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        do {
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            throw fields.error(field, "could not write \(path): \(error.localizedDescription)")
        }
    }

    /// Why `path` could not be read, as the system says it.
    private static func describeErrno(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            close(fd)
            return "read failed"
        }
        return String(cString: strerror(errno))
    }
}
