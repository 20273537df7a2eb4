import NIOCore

/// One frame on a link between two neighbours (after TLS, if any).
///
/// Wire layout: `u32 length` (big-endian, counts the type byte and body), `u8 type`, body.
/// Frames are large (up to ``LinkFrame/maximumLength``) so bulk data moves in few records and syscalls.
public enum LinkFrame: Sendable, Equatable {
    /// First frame each side sends. The link is up once both hellos are accepted.
    case hello(LinkHello)
    /// Liveness probe or its echo; carries the sender's monotonic timestamp for RTT.
    case heartbeat(LinkHeartbeat)
    /// Link-state advertisements (full state exchange on link up, floods afterwards).
    case routing([RoutingAdvertisement])
    /// The sender refuses or ends the link; the reason is logged by the receiver.
    case reject(reason: String)
    /// A routed message between (node, service) endpoints.
    case message(MeshMessage)

    /// Largest frame accepted (type byte and body), 1 MiB plus header room.
    public static let maximumLength = (1 << 20) + 4096
    /// Frame type bytes.
    public enum FrameType: UInt8 {
        case hello = 1
        case heartbeat = 2
        case routing = 3
        case reject = 4
        case message = 5
    }
}

/// The hello a link endpoint sends first.
public struct LinkHello: Sendable, Hashable {
    /// Version of this wire protocol.
    public static let currentVersion: UInt8 = 1

    public var version: UInt8
    /// The sender's node ID. On TLS links it must match the sender's certificate.
    public var nodeID: String
    /// The sender's process instance (random per start).
    public var instance: UInt64
    /// The cost the sender has configured for this link; both ends must agree.
    public var cost: Double
    /// How often the sender sends heartbeats, in milliseconds.
    public var heartbeatIntervalMillis: UInt32

    public init(
        version: UInt8 = LinkHello.currentVersion,
        nodeID: String,
        instance: UInt64,
        cost: Double,
        heartbeatIntervalMillis: UInt32
    ) {
        self.version = version
        self.nodeID = nodeID
        self.instance = instance
        self.cost = cost
        self.heartbeatIntervalMillis = heartbeatIntervalMillis
    }
}

/// A heartbeat. A keepalive only says "still here"; a request asks the peer to echo its
/// timestamp back as a reply, so the requester can measure the round trip. Links send
/// keepalives while quiet and a request now and then, so an idle link costs one small frame
/// each way per heartbeat interval.
public struct LinkHeartbeat: Sendable, Hashable {
    /// What the frame asks of the peer. The raw value is the wire byte.
    public enum Kind: UInt8, Sendable, Hashable {
        /// Echo the timestamp back as a ``reply``.
        case request = 0
        /// The echo of a ``request``.
        case reply = 1
        /// Nothing: the frame is a sign of life only, and is not answered.
        case keepalive = 2
    }

    public var kind: Kind
    /// Opaque timestamp chosen by the requester (monotonic nanoseconds), echoed unchanged; zero in a keepalive.
    public var timestamp: UInt64

    public init(kind: Kind, timestamp: UInt64) {
        self.kind = kind
        self.timestamp = timestamp
    }

    /// A keepalive (always the same bytes).
    public static let keepalive = LinkHeartbeat(kind: .keepalive, timestamp: 0)
}
