/// A `tcp-server` entry: accept local TCP connections and bridge each one to a mesh service.
public struct TCPServerEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// Local TCP port.
    public var port: Int
    /// Local address to bind (default `0.0.0.0`).
    public var bindAddr: String
    /// The node to dial over the mesh; `localhost` means this node.
    public var remoteNode: String
    /// The mesh service to dial.
    public var remoteService: String
    /// `tls-server` for the local TCP listener.
    public var tlsServer: String?
    /// `tls-client` for the mesh connection.
    public var tlsClient: String?

    /// Creates an entry with receptor defaults.
    /// - Parameters:
    ///   - index: The item position.
    ///   - port: The local port.
    ///   - bindAddr: The bind address.
    ///   - remoteNode: The remote node.
    ///   - remoteService: The remote service.
    ///   - tlsServer: The listener's `tls-server`.
    ///   - tlsClient: The mesh connection's `tls-client`.
    public init(
        index: Int,
        port: Int,
        bindAddr: String = "0.0.0.0",
        remoteNode: String,
        remoteService: String,
        tlsServer: String? = nil,
        tlsClient: String? = nil
    ) {
        self.index = index
        self.port = port
        self.bindAddr = bindAddr
        self.remoteNode = remoteNode
        self.remoteService = remoteService
        self.tlsServer = tlsServer
        self.tlsClient = tlsClient
    }
}
