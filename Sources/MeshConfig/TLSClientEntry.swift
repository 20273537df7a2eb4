/// A `tls-client` entry: a named TLS configuration for dialling out.
public struct TLSClientEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// The name peers and services refer to.
    public var name: String
    /// PEM client certificate file, or `""` for none.
    public var cert: String
    /// PEM private key file, or `""` for none.
    public var key: String
    /// PEM CA bundle for server certificates; `nil` means the system roots.
    public var rootCAs: String?
    /// Disable all verification of the server.
    public var insecureSkipVerify: Bool
    /// Accepted SHA-256/SHA-512 fingerprints of the server leaf (hex, colons optional).
    public var pinnedServerCert: [String]
    /// Skip the startup check that `cert` names this node.
    public var skipReceptorNamesCheck: Bool
    /// Require TLS 1.3 instead of 1.2.
    public var minTLS13: Bool

    /// Creates an entry with receptor defaults.
    /// - Parameters:
    ///   - index: The item position.
    ///   - name: The configuration name.
    ///   - cert: The certificate file, or `""`.
    ///   - key: The key file, or `""`.
    ///   - rootCAs: The CA bundle, `nil` for system roots.
    ///   - insecureSkipVerify: Whether to skip server verification.
    ///   - pinnedServerCert: Server fingerprints.
    ///   - skipReceptorNamesCheck: Whether to skip the node-ID check.
    ///   - minTLS13: Whether TLS 1.3 is the minimum.
    public init(
        index: Int,
        name: String,
        cert: String = "",
        key: String = "",
        rootCAs: String? = nil,
        insecureSkipVerify: Bool = false,
        pinnedServerCert: [String] = [],
        skipReceptorNamesCheck: Bool = false,
        minTLS13: Bool = false
    ) {
        self.index = index
        self.name = name
        self.cert = cert
        self.key = key
        self.rootCAs = rootCAs
        self.insecureSkipVerify = insecureSkipVerify
        self.pinnedServerCert = pinnedServerCert
        self.skipReceptorNamesCheck = skipReceptorNamesCheck
        self.minTLS13 = minTLS13
    }

    /// Whether this configuration presents a client certificate.
    public var hasCertificate: Bool {
        !cert.isEmpty && !key.isEmpty
    }
}
