import Foundation
import MeshProtocol

/// A parsed control-socket address, accepted with the same rules as the Python receptorctl:
/// `unix:///path`, `unix:path`, a bare path without `:`, `tcp://host:port`, `tls://host:port`
/// (the `//` is optional for tcp and tls too).
enum SocketAddress: Equatable {
    case unix(String)
    case tcp(host: String, port: String)
    case tls(host: String, port: String)

    init(_ text: String) throws {
        let hostChars = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.:")
        for scheme in ["tcp", "tls"] where text.hasPrefix(scheme + ":") {
            var rest = Substring(text.dropFirst(scheme.count + 1))
            if rest.hasPrefix("//") { rest = rest.dropFirst(2) }
            // Python's `([a-zA-Z0-9-.:]+):([0-9]+)` is greedy: the port follows the last colon.
            if let colon = rest.lastIndex(of: ":") {
                let host = rest[..<colon]
                let port = rest[rest.index(after: colon)...]
                if !host.isEmpty, host.allSatisfy(hostChars.contains), !port.isEmpty, port.allSatisfy(\.isASCII),
                    port.allSatisfy(\.isNumber)
                {
                    self = scheme == "tcp" ? .tcp(host: String(host), port: String(port)) : .tls(host: String(host), port: String(port))
                    return
                }
            }
        }
        var path = Substring(text)
        if path.hasPrefix("unix:") {
            path = path.dropFirst(5)
            if path.hasPrefix("//") { path = path.dropFirst(2) }
        }
        guard !path.isEmpty, !path.contains(":") else { throw ClientError("Invalid socket address \(text)") }
        self = .unix(Self.expandUser(String(path)))
    }

    /// `os.path.expanduser` for the `~` and `~/...` forms.
    static func expandUser(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return home + path.dropFirst()
    }
}

/// A connection to a receptor control socket (Unix, TCP or TLS) speaking the line protocol:
/// greeting, then one reply line per command. Also gives raw access for payload streaming,
/// results and `connect`.
final class ControlConnection {
    let fd: Int32
    /// True for `tls://` addresses (the descriptor is the plaintext end of ``TLSProxy``).
    private var isTLS = false
    private var buffer: [UInt8] = []
    /// The node ID from the most recent greeting.
    private(set) var nodeID = ""

    init(address: String, tls settings: TLSSettings = TLSSettings()) throws {
        switch try SocketAddress(address) {
        case .unix(let path):
            guard FileManager.default.fileExists(atPath: path) else {
                throw ClientError("Socket path does not exist: \(path)")
            }
            fd = try Self.connectUnix(path)
        case .tcp(let host, let port):
            fd = try Self.connectTCP(host: host, port: port)
        case .tls(let host, let port):
            do {
                fd = try TLSProxy.open(host: host, port: Int(port) ?? 0, settings: settings)
            } catch let e as ClientError where e.description.hasPrefix("[SSL]") {
                throw e
            } catch {
                throw ClientError("Could not connect to host \(host) port \(port)")
            }
            isTLS = true
        }
        do {
            try handshake()
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    /// Reads `Receptor Control, node <id>`, as sent on connect and after `connect <node> control`.
    func handshake() throws {
        let greeting = try readLine()
        let prefix = "Receptor Control, node "
        guard greeting.hasPrefix(prefix), greeting.count > prefix.count else {
            throw ClientError("Failed to connect to Receptor socket")
        }
        nodeID = String(greeting.dropFirst(prefix.count))
    }

    /// Python's `str(OSError)`: `[Errno N] text`.
    static func errnoText(_ code: Int32) -> String { "[Errno \(code)] \(String(cString: strerror(code)))" }

    private static func connectUnix(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            close(fd)
            throw ClientError("AF_UNIX path too long")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in raw.copyBytes(from: bytes + [0]) }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw ClientError(errnoText(e))
        }
        return fd
    }

    /// Tries each address in turn, as Python's loop over `getaddrinfo` results does. (TLS sockets are opened by
    /// ``TLSProxy``.)
    private static func connectTCP(host: String, port: String) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var result: UnsafeMutablePointer<addrinfo>?
        let gai = getaddrinfo(host, port, &hints, &result)
        guard gai == 0, let first = result else {
            throw ClientError("[Errno \(gai)] \(String(cString: gai_strerror(gai)))")
        }
        defer { freeaddrinfo(result) }
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            if fd >= 0, connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 { return fd }
            if fd >= 0 { close(fd) }
            cursor = ai.pointee.ai_next
        }
        throw ClientError("Could not connect to host \(host) port \(port)")
    }

    func send(_ line: String) throws {
        try sendBytes(Array((line + "\n").utf8))
    }

    func sendBytes<C: Collection<UInt8>>(_ bytes: C) throws {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let n = array[offset...].withUnsafeBytes { raw in
                return Glibc.send(fd, raw.baseAddress!, raw.count, Int32(MSG_NOSIGNAL))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ClientError(Self.errnoText(errno)) }
            offset += n
        }
    }

    /// Half-closes the connection (the payload's EOF); under TLS a bare TCP FIN, as Python sends.
    func shutdownWrite() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// One line without its newline and, as Python's `readline().decode().strip()`, without
    /// surrounding whitespace; `""` at EOF.
    func readLine() throws -> String {
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return line.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let chunk = try readChunk() else {
                let line = String(decoding: buffer, as: UTF8.self)
                buffer.removeAll()
                return line.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            buffer += chunk
        }
    }

    /// Raw bytes: first whatever is buffered, then up to 64 KiB from the socket; `nil` at EOF.
    func readChunk() throws -> [UInt8]? {
        if !buffer.isEmpty {
            defer { buffer.removeAll() }
            return buffer
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { raw in
                return recv(fd, raw.baseAddress!, raw.count, 0)
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw ClientError(Self.errnoText(errno)) }
            if n == 0, isTLS, let error = TLSProxy.lastError.withLockedValue({ $0 }) { throw ClientError("[SSL] \(error)") }
            if n == 0 { return nil }
            return Array(chunk[..<n])
        }
    }

    /// Whether bytes are already buffered (poll() would not see them).
    var hasBufferedBytes: Bool { !buffer.isEmpty }

    /// Sends a command and parses its one-line reply; `ERROR: x` becomes a thrown error `x`.
    func simpleCommand(_ line: String) throws -> JSONValue {
        try send(line)
        let reply = try readLine()
        if reply.hasPrefix("ERROR:") { throw ClientError(String(reply.dropFirst(7))) }
        do {
            return try JSONParser.parse(reply)
        } catch {
            throw ClientError(reply.isEmpty ? "Expecting value: line 1 column 1 (char 0)" : "invalid reply from receptor: \(reply)")
        }
    }
}

/// A failure shown to the user as `ERROR: <message>`.
struct ClientError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
