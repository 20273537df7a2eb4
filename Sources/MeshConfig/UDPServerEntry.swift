/// A `udp-server` entry: a local UDP port whose datagrams are carried as mesh datagrams to
/// (`remotenode`, `remoteservice`), with the replies sent back to each UDP sender.
public struct UDPServerEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// Local UDP port (0...65535).
    public var port: Int
    /// Local address to bind (default `0.0.0.0`).
    public var bindAddr: String
    /// The node to send to over the mesh; `localhost` means this node.
    public var remoteNode: String
    /// The mesh datagram service to send to there (usually a `udp-client`).
    public var remoteService: String

    /// Creates an entry with receptor defaults.
    /// - Parameters:
    ///   - index: The item position.
    ///   - port: The local UDP port.
    ///   - bindAddr: The bind address.
    ///   - remoteNode: The remote node.
    ///   - remoteService: The remote mesh service.
    public init(index: Int, port: Int, bindAddr: String = "0.0.0.0", remoteNode: String, remoteService: String) {
        self.index = index
        self.port = port
        self.bindAddr = bindAddr
        self.remoteNode = remoteNode
        self.remoteService = remoteService
    }
}
