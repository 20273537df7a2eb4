/// A `unix-socket-server` entry: a local Unix socket whose connections are carried over mesh streams.
public struct UnixSocketServerEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// The socket path (replaced if it exists; guarded by `<filename>.lock`).
    public var filename: String
    /// Mode of the socket file.
    public var permissions: Int
    /// The node to dial (`localhost` means this node).
    public var remoteNode: String
    /// The mesh service to dial there.
    public var remoteService: String
    /// `tls-client` for TLS above the mesh.
    public var tls: String?

    public init(index: Int, filename: String, permissions: Int = 0o600, remoteNode: String, remoteService: String, tls: String? = nil) {
        self.index = index
        self.filename = filename
        self.permissions = permissions
        self.remoteNode = remoteNode
        self.remoteService = remoteService
        self.tls = tls
    }
}

/// A `unix-socket-client` entry: a mesh service whose streams are forwarded to a Unix socket.
public struct UnixSocketClientEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// The mesh service name (at most 8 bytes).
    public var service: String
    /// The existing Unix socket to forward to.
    public var filename: String
    /// `tls-server` for TLS above the mesh.
    public var tls: String?

    public init(index: Int, service: String, filename: String, tls: String? = nil) {
        self.index = index
        self.service = service
        self.filename = filename
        self.tls = tls
    }
}
