import Foundation

/// Minimal blocking sockets for the benchmark's source and sink (they run on their own threads,
/// so the measured path is the mesh, not an event loop shared with it).
struct BlockingSocket {
    let fd: Int32

    static func connectUnix(_ path: String) throws -> BlockingSocket {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes + [0])
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            Glibc.close(fd)
            throw BenchError("connect \(path): \(String(cString: strerror(errno)))")
        }
        return BlockingSocket(fd: fd)
    }

    /// Listens on 127.0.0.1 with an ephemeral port; returns the socket and port.
    static func listenLoopback() throws -> (BlockingSocket, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        guard rc == 0, listen(fd, 16) == 0 else { throw BenchError("listen failed") }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return (BlockingSocket(fd: fd), Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// A free TCP port on 127.0.0.1 (bound and released).
    static func freePort() throws -> Int {
        let (s, port) = try listenLoopback()
        s.close()
        return port
    }

    func accept() -> BlockingSocket {
        BlockingSocket(fd: Glibc.accept(fd, nil, nil))
    }

    func sendAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            guard n > 0 else { throw BenchError("send: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    func send(_ text: String) throws {
        try Array(text.utf8).withUnsafeBytes { try sendAll($0) }
    }

    /// Reads one line (without the newline), byte by byte: the control protocol never reads past it.
    func readLine() throws -> String {
        var bytes: [UInt8] = []
        var c: UInt8 = 0
        while true {
            let n = recv(fd, &c, 1, 0)
            guard n == 1 else { throw BenchError("connection closed while reading a line") }
            if c == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(c)
        }
    }

    /// Reads until EOF; returns the byte count.
    func drain(bufferSize: Int = 1 << 20) -> Int {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let n = recv(fd, buffer, bufferSize, 0)
            if n <= 0 { return total }
            total += n
        }
    }

    /// Sends back everything it reads until EOF, then half-closes; returns the byte count.
    func echo(bufferSize: Int = 1 << 20) -> Int {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let n = recv(fd, buffer, bufferSize, 0)
            if n <= 0 { break }
            // A failed send ends the echo; the caller sees the short byte count and reports it.
            guard (try? sendAll(UnsafeRawBufferPointer(start: buffer, count: n))) != nil else { break }
            total += n
        }
        shutdownWrite()
        return total
    }

    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    func close() {
        Glibc.close(fd)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
