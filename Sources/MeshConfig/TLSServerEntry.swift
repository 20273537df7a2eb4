/// A `tls-server` entry: a named TLS configuration for accepting connections.
public struct TLSServerEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// The name listeners and services refer to.
    public var name: String
    /// PEM certificate file.
    public var cert: String
    /// PEM private key file.
    public var key: String
    /// Require and verify a client certificate.
    public var requireClientCert: Bool
    /// PEM CA bundle for client certificates.
    public var clientCAs: String?
    /// Accepted SHA-256/SHA-512 fingerprints of the client leaf (hex, colons optional).
    public var pinnedClientCert: [String]
    /// Skip the startup check that `cert` names this node.
    public var skipReceptorNamesCheck: Bool
    /// Require TLS 1.3 instead of 1.2.
    public var minTLS13: Bool

    /// Creates an entry with receptor defaults.
    /// - Parameters:
    ///   - index: The item position.
    ///   - name: The configuration name.
    ///   - cert: The certificate file.
    ///   - key: The key file.
    ///   - requireClientCert: Whether clients must present a certificate.
    ///   - clientCAs: The client CA bundle.
    ///   - pinnedClientCert: Client fingerprints.
    ///   - skipReceptorNamesCheck: Whether to skip the node-ID check.
    ///   - minTLS13: Whether TLS 1.3 is the minimum.
    public init(
        index: Int,
        name: String,
        cert: String,
        key: String,
        requireClientCert: Bool = false,
        clientCAs: String? = nil,
        pinnedClientCert: [String] = [],
        skipReceptorNamesCheck: Bool = false,
        minTLS13: Bool = false
    ) {
        self.index = index
        self.name = name
        self.cert = cert
        self.key = key
        self.requireClientCert = requireClientCert
        self.clientCAs = clientCAs
        self.pinnedClientCert = pinnedClientCert
        self.skipReceptorNamesCheck = skipReceptorNamesCheck
        self.minTLS13 = minTLS13
    }
}
