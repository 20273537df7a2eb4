import Foundation
import MeshProtocol

/// A connection to a receptor control socket (`unix://path`, `unix:path`, a bare path, or
/// `tcp://host:port`), speaking the line protocol: greeting, then one reply line per command.
final class ControlConnection {
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// The node ID from the greeting.
    private(set) var nodeID = ""

    init(address: String) throws {
        if address.hasPrefix("tcp://") {
            fd = try Self.connectTCP(String(address.dropFirst("tcp://".count)))
        } else if address.hasPrefix("tls://") {
            throw ClientError("tls:// sockets are not supported by this receptorctl yet")
        } else {
            var path = address
            if path.hasPrefix("unix://") {
                path = String(path.dropFirst("unix://".count))
            } else if path.hasPrefix("unix:") {
                path = String(path.dropFirst("unix:".count))
            }
            fd = try Self.connectUnix(path)
        }
        let greeting = try readLine()
        let prefix = "Receptor Control, node "
        guard greeting.hasPrefix(prefix), greeting.count > prefix.count else {
            throw ClientError("Failed to connect to Receptor socket")
        }
        nodeID = String(greeting.dropFirst(prefix.count))
    }

    deinit { close(fd) }

    private static func connectUnix(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            close(fd)
            throw ClientError("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in raw.copyBytes(from: bytes + [0]) }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw ClientError("Failed to connect to Receptor socket \(path): \(e)")
        }
        return fd
    }

    private static func connectTCP(_ hostPort: String) throws -> Int32 {
        guard let colon = hostPort.lastIndex(of: ":") else { throw ClientError("invalid address \(hostPort)") }
        var host = String(hostPort[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = String(hostPort[hostPort.index(after: colon)...])
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, port, &hints, &result) == 0, let first = result else {
            throw ClientError("cannot resolve \(hostPort)")
        }
        defer { freeaddrinfo(result) }
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            if fd >= 0, connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 { return fd }
            if fd >= 0 { close(fd) }
            cursor = ai.pointee.ai_next
        }
        throw ClientError("Failed to connect to Receptor socket \(hostPort)")
    }

    func send(_ line: String) throws {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ClientError("write to control socket failed") }
            offset += n
        }
    }

    func readLine() throws -> String {
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            guard n > 0 else { throw ClientError("connection closed by receptor") }
            buffer += chunk[..<n]
        }
    }

    /// Sends a command and parses its one-line reply; `ERROR: x` becomes a thrown error.
    func simpleCommand(_ line: String) throws -> JSONValue {
        try send(line)
        let reply = try readLine()
        if reply.hasPrefix("ERROR:") { throw ClientError(String(reply.dropFirst(7))) }
        do {
            return try JSONParser.parse(reply)
        } catch {
            throw ClientError("invalid reply from receptor: \(reply)")
        }
    }
}

/// A failure shown to the user as `ERROR: <message>`.
struct ClientError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
