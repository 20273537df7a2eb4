import MeshStreams
/// Runtime settings of a node, derived from the configuration.
public struct MeshSettings: Sendable {
    public var nodeID: String
    /// `<datadir>`; node state lives under `<datadir>/<nodeID>/`.
    public var dataDirectory: String
    public var heartbeatInterval: Duration
    public var deadTimeout: Duration
    public var routeLifetime: Duration
    public var routeRefresh: Duration
    public var version: String
    public var streams: StreamConfiguration

    public init(
        nodeID: String,
        dataDirectory: String,
        heartbeatInterval: Duration = .milliseconds(250),
        deadTimeout: Duration = .seconds(1),
        routeLifetime: Duration = .seconds(120),
        version: String,
        streams: StreamConfiguration = .init()
    ) {
        self.nodeID = nodeID
        self.dataDirectory = dataDirectory
        self.heartbeatInterval = heartbeatInterval
        self.deadTimeout = deadTimeout
        self.routeLifetime = routeLifetime
        self.routeRefresh = routeLifetime / 4
        self.version = version
        self.streams = streams
    }
}
