/// The `node` entry: identity, storage and link timing of this node.
public struct NodeEntry: Sendable, Equatable {
    /// The item position, or `nil` for the implicit node added when the config has none.
    public var index: Int?
    /// The node ID (default: the host name).
    public var id: String
    /// Directory under which work units live, as `<dataDir>/<id>/<unitid>/`.
    public var dataDir: String
    /// Drop and redial a backend connection after this long without traffic.
    /// `nil` means the built-in 21 s.
    public var maxIdleConnectionTimeout: Duration?
    /// Firewall rules in order, each with lower-cased keys (`action`,
    /// `fromnode`, `tonode`, `fromservice`, `toservice`). Values starting and
    /// ending with `/` are anchored regular expressions.
    public var firewallRules: [[String: String]]
    /// receptord extension (`heartbeatinterval`): interval between link keepalives.
    public var heartbeatInterval: Duration
    /// receptord extension (`deadpeertimeout`): silence after which a link is considered dead.
    public var deadPeerTimeout: Duration
    /// receptord extension (`routelifetime`): how long a route advertisement stays valid.
    public var routeLifetime: Duration

    /// The data directory receptor uses when none is configured.
    public static let defaultDataDir = "/tmp/receptor"
    /// The minimum, and the built-in value, of ``maxIdleConnectionTimeout``.
    public static let minimumMaxIdleConnectionTimeout: Duration = .seconds(21)
    /// Default of ``heartbeatInterval``: an idle link carries one keepalive each way this often
    /// (400 ms rather than 250 ms cut idle CPU by a third; see docs/benchmarks.md, "Idle meshes").
    public static let defaultHeartbeatInterval: Duration = .milliseconds(400)
    /// Default of ``deadPeerTimeout``: a frozen peer is noticed within this (and well within 1.5 s),
    /// three heartbeat intervals, so one late heartbeat never closes a link.
    public static let defaultDeadPeerTimeout: Duration = .milliseconds(1200)
    /// Default of ``routeLifetime``.
    public static let defaultRouteLifetime: Duration = .seconds(120)
    /// The longest node ID receptord accepts, in UTF-8 bytes.
    public static let maximumIDLength = 64

    /// Creates a node entry; every parameter except `id` has the receptor default.
    /// - Parameters:
    ///   - index: The item position, or `nil` for an implicit node.
    ///   - id: The node ID.
    ///   - dataDir: The work-unit directory root.
    ///   - maxIdleConnectionTimeout: The idle timeout, `nil` for the built-in 21 s.
    ///   - firewallRules: Firewall rules with lower-cased keys.
    ///   - heartbeatInterval: Link keepalive interval.
    ///   - deadPeerTimeout: Link silence timeout.
    ///   - routeLifetime: Route advertisement lifetime.
    public init(
        index: Int? = nil,
        id: String,
        dataDir: String = NodeEntry.defaultDataDir,
        maxIdleConnectionTimeout: Duration? = nil,
        firewallRules: [[String: String]] = [],
        heartbeatInterval: Duration = NodeEntry.defaultHeartbeatInterval,
        deadPeerTimeout: Duration = NodeEntry.defaultDeadPeerTimeout,
        routeLifetime: Duration = NodeEntry.defaultRouteLifetime
    ) {
        self.index = index
        self.id = id
        self.dataDir = dataDir
        self.maxIdleConnectionTimeout = maxIdleConnectionTimeout
        self.firewallRules = firewallRules
        self.heartbeatInterval = heartbeatInterval
        self.deadPeerTimeout = deadPeerTimeout
        self.routeLifetime = routeLifetime
    }

    /// The idle timeout in force: ``maxIdleConnectionTimeout`` or 21 s.
    public var effectiveMaxIdleConnectionTimeout: Duration {
        maxIdleConnectionTimeout ?? Self.minimumMaxIdleConnectionTimeout
    }

    /// Whether `id` is acceptable to receptord: 1 to 64 bytes of
    /// `a-z A-Z 0-9 . - _ @ :`. (Receptor itself allows more; this is a receptord restriction.)
    /// - Parameter id: A candidate node ID.
    /// - Returns: `true` if it is valid.
    public static func isValidID(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= maximumIDLength else { return false }
        return id.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_", "@", ":":
                return true
            default:
                return false
            }
        }
    }
}
