/// A `control-service` entry: the receptorctl control protocol on a Unix
/// socket, a TCP port and/or a mesh service.
public struct ControlServiceEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// Mesh service name (default `control`); `""` disables the mesh listener.
    public var service: String
    /// Unix socket path; the lock file is `<filename>.lock`.
    public var filename: String?
    /// Mode of the socket file (default `0o600`).
    public var permissions: Int
    /// `tls-server` for the mesh listener.
    public var tls: String?
    /// `PORT` or `HOST:PORT` for a TCP listener.
    public var tcpListen: String?
    /// `tls-server` for the TCP listener.
    public var tcpTLS: String?

    /// Creates an entry with receptor defaults.
    /// - Parameters:
    ///   - index: The item position.
    ///   - service: The mesh service name.
    ///   - filename: The Unix socket path.
    ///   - permissions: The socket file mode.
    ///   - tls: The mesh listener's `tls-server`.
    ///   - tcpListen: The TCP listen address.
    ///   - tcpTLS: The TCP listener's `tls-server`.
    public init(
        index: Int,
        service: String = "control",
        filename: String? = nil,
        permissions: Int = 0o600,
        tls: String? = nil,
        tcpListen: String? = nil,
        tcpTLS: String? = nil
    ) {
        self.index = index
        self.service = service
        self.filename = filename
        self.permissions = permissions
        self.tls = tls
        self.tcpListen = tcpListen
        self.tcpTLS = tcpTLS
    }

    /// ``tcpListen`` as host and port: `"2222"` means `0.0.0.0:2222`.
    /// `nil` if unset or malformed.
    public var tcpListenAddress: (host: String, port: Int)? {
        guard let tcpListen, !tcpListen.isEmpty else { return nil }
        if let port = Int(tcpListen) {
            return ("0.0.0.0", port)
        }
        guard let colon = tcpListen.lastIndex(of: ":"), let port = Int(tcpListen[tcpListen.index(after: colon)...])
        else {
            return nil
        }
        var host = String(tcpListen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
