/// A validated receptor v1 configuration, as typed entries.
///
/// Produced by ``ConfigLoader``. Entries appear in file order within each
/// array. Entries receptord validates but does not run are listed in
/// ``unsupported``; exclusive one-shot entries (`version`, `cert-*`) in ``exclusive``.
public struct ReceptorConfig: Sendable, Equatable {
    /// The node entry, or the implicit default one.
    public var node: NodeEntry
    /// The `log-level` entry's level; `nil` if there is none (which means ``LogLevelSetting/info``).
    public var logLevel: LogLevelSetting?
    /// receptord extension (`log-level: {format: json}`): structured log lines, one JSON object each.
    public var logJSON: Bool = false
    /// receptord extension: the `metrics` entry (Prometheus over HTTP), if any.
    public var metrics: MetricsEntry?
    /// `unix-socket-server` entries.
    public var unixSocketServers: [UnixSocketServerEntry] = []
    /// `unix-socket-client` entries.
    public var unixSocketClients: [UnixSocketClientEntry] = []
    /// `command-service` entries.
    public var commandServices: [CommandServiceEntry] = []
    /// `udp-server` entries.
    public var udpServers: [UDPServerEntry] = []
    /// `udp-client` entries.
    public var udpClients: [UDPClientEntry] = []
    /// Whether a `local-only` entry is present.
    public var localOnly: Bool
    /// Whether a `trace` entry is present.
    public var trace: Bool
    /// `tcp-listener` entries.
    public var tcpListeners: [TCPListenerEntry]
    /// `tcp-peer` entries.
    public var tcpPeers: [TCPPeerEntry]
    /// `udp-listener` entries.
    public var udpListeners: [UDPListenerEntry]
    /// `udp-peer` entries.
    public var udpPeers: [UDPPeerEntry]
    /// `ws-listener` entries.
    public var wsListeners: [WSListenerEntry]
    /// `ws-peer` entries.
    public var wsPeers: [WSPeerEntry]
    /// `tls-server` entries (names are unique).
    public var tlsServers: [TLSServerEntry]
    /// `tls-client` entries (names are unique).
    public var tlsClients: [TLSClientEntry]
    /// `control-service` entries.
    public var controlServices: [ControlServiceEntry]
    /// `tcp-server` entries.
    public var tcpServers: [TCPServerEntry]
    /// `tcp-client` entries.
    public var tcpClients: [TCPClientEntry]
    /// `work-command` entries (work types are unique).
    public var workCommands: [WorkCommandEntry]
    /// The `work-signing` entry.
    public var workSigning: WorkSigningEntry?
    /// The `work-verification` entry.
    public var workVerification: WorkVerificationEntry?
    /// Entries that were validated but are not run by receptord.
    public var unsupported: [UnsupportedEntry]
    /// The exclusive entry (`version`, `cert-init`, `cert-makereq`, `cert-signreq`),
    /// if the config consists of one. Such a config has nothing else in it.
    public var exclusive: [ConfigItem]
    /// Every item the config was built from, in order.
    public var items: [ConfigItem]

    /// Entries that `reload` may add, change or remove.
    public static let reloadableEntryNames: Set<String> = [
        "tcp-peer", "tcp-listener", "ws-peer", "ws-listener", "udp-peer", "udp-listener", "local-only",
    ]

    /// Creates a config with the given node and nothing else.
    /// - Parameter node: The node entry.
    public init(node: NodeEntry) {
        self.node = node
        self.logLevel = nil
        self.localOnly = false
        self.trace = false
        self.tcpListeners = []
        self.tcpPeers = []
        self.udpListeners = []
        self.udpPeers = []
        self.wsListeners = []
        self.wsPeers = []
        self.tlsServers = []
        self.tlsClients = []
        self.controlServices = []
        self.tcpServers = []
        self.tcpClients = []
        self.workCommands = []
        self.workSigning = nil
        self.workVerification = nil
        self.unsupported = []
        self.exclusive = []
        self.items = []
    }

    /// The log level in force: ``logLevel`` or ``LogLevelSetting/info``.
    public var effectiveLogLevel: LogLevelSetting {
        logLevel ?? .info
    }

    /// Whether any backend is configured (a listener or peer of any kind, or
    /// `local-only`). Without one receptor logs "Nothing to do - no backends
    /// are running." and exits 1.
    public var hasBackend: Bool {
        localOnly || !tcpListeners.isEmpty || !tcpPeers.isEmpty || !udpListeners.isEmpty || !udpPeers.isEmpty
            || !wsListeners.isEmpty || !wsPeers.isEmpty
    }

    /// The `tls-server` entry with this name.
    /// - Parameter name: A configuration name.
    /// - Returns: The entry, if defined.
    public func tlsServer(named name: String) -> TLSServerEntry? {
        tlsServers.first { $0.name == name }
    }

    /// The `tls-client` entry with this name.
    /// - Parameter name: A configuration name.
    /// - Returns: The entry, if defined.
    public func tlsClient(named name: String) -> TLSClientEntry? {
        tlsClients.first { $0.name == name }
    }
}
