/// One node's link-state advertisement: who it is, which neighbours it has (with costs) and which
/// services it offers. Every node floods its own advertisement through the mesh; the newest one per
/// origin (by ``sequence``) wins everywhere.
///
/// Unlike receptor, adjacency and services travel in one record, so a newcomer's services are known
/// as soon as its routes are, and the whole record ages out together (``lifetimeMillis``).
public struct RoutingAdvertisement: Sendable, Hashable {
    /// The node that originated (and alone may change) this record.
    public var origin: String
    /// Strictly increasing per origin, across restarts (the runtime persists a reservation).
    public var sequence: UInt64
    /// Random per process start. Two live processes with one node ID show up as two instances.
    public var instance: UInt64
    /// How long a receiver keeps this record without a newer one, in milliseconds.
    public var lifetimeMillis: UInt32
    /// Originator's wall clock (Unix milliseconds) when it made this record; shown as "Time" in status.
    public var originTimeMillis: Int64
    /// Neighbour node ID -> link cost, for the links the origin has established.
    public var links: [String: Double]
    /// Services the origin offers.
    public var services: [ServiceAdvertisement]

    /// - Parameters:
    ///   - origin: the advertising node.
    ///   - sequence: strictly increasing per origin.
    ///   - instance: random per process start.
    ///   - lifetimeMillis: how long receivers keep it.
    ///   - originTimeMillis: sender's wall clock in Unix milliseconds.
    ///   - links: neighbour -> cost.
    ///   - services: the origin's services.
    public init(
        origin: String,
        sequence: UInt64,
        instance: UInt64 = 0,
        lifetimeMillis: UInt32 = 120_000,
        originTimeMillis: Int64 = 0,
        links: [String: Double] = [:],
        services: [ServiceAdvertisement] = []
    ) {
        self.origin = origin
        self.sequence = sequence
        self.instance = instance
        self.lifetimeMillis = lifetimeMillis
        self.originTimeMillis = originTimeMillis
        self.links = links
        self.services = services
    }
}

/// A service a node offers on the mesh, as receptor's status output shows it.
public struct ServiceAdvertisement: Sendable, Hashable {
    /// Receptor's connection types.
    public enum ConnType: UInt8, Sendable, Hashable {
        case datagram = 0
        case stream = 1
        case streamTLS = 2
    }

    /// Service name (at most 8 bytes, as in receptor).
    public var name: String
    public var connType: ConnType
    /// Free-form tags, e.g. `["type": "Control Service"]`.
    public var tags: [String: String]
    /// Work types offered (only filled on the control service's advertisement).
    public var workCommands: [WorkCommandAdvertisement]

    public init(
        name: String,
        connType: ConnType,
        tags: [String: String] = [:],
        workCommands: [WorkCommandAdvertisement] = []
    ) {
        self.name = name
        self.connType = connType
        self.tags = tags
        self.workCommands = workCommands
    }
}

/// A work type a node accepts, and whether submissions must be signed.
public struct WorkCommandAdvertisement: Sendable, Hashable {
    public var workType: String
    public var secure: Bool

    public init(workType: String, secure: Bool) {
        self.workType = workType
        self.secure = secure
    }
}
