/// A `tcp-client` entry: a mesh service whose streams are forwarded to a TCP address.
public struct TCPClientEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// The mesh service name to listen on (at most 8 bytes).
    public var service: String
    /// The TCP `host:port` to forward to.
    public var address: String
    /// `tls-server` for the mesh service.
    public var tlsServer: String?
    /// `tls-client` for the outbound TCP connection.
    public var tlsClient: String?

    /// Creates an entry.
    /// - Parameters:
    ///   - index: The item position.
    ///   - service: The mesh service name.
    ///   - address: The TCP target.
    ///   - tlsServer: The mesh service's `tls-server`.
    ///   - tlsClient: The TCP connection's `tls-client`.
    public init(index: Int, service: String, address: String, tlsServer: String? = nil, tlsClient: String? = nil) {
        self.index = index
        self.service = service
        self.address = address
        self.tlsServer = tlsServer
        self.tlsClient = tlsClient
    }
}
