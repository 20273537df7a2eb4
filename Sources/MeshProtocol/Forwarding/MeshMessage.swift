import NIOCore

/// A message routed hop by hop from one (node, service) endpoint to another.
///
/// Layout (inside a ``LinkFrame/message`` body): `u8 hopsToLive`, `u8 kind`, short strings
/// source node, destination node, source service, destination service, then the payload (the rest).
/// Node names travel in full (no hashes, so no collisions and no name tables).
public struct MeshMessage: Sendable, Equatable {
    /// What the payload is.
    public enum Kind: UInt8, Sendable {
        /// An unreliable datagram for a datagram service (ping, UDP proxies).
        case datagram = 0
        /// A ``StreamFrame`` of a reliable stream.
        case stream = 1
        /// An ``Unreachable`` report about an earlier message.
        case unreachable = 2
    }

    /// Hops left; a forwarder with 0 left reports "message expired" instead of forwarding.
    public var hopsToLive: UInt8
    public var kind: Kind
    public var sourceNode: String
    public var destinationNode: String
    public var sourceService: String
    public var destinationService: String
    public var payload: ByteBuffer

    /// The default hop limit (as receptor).
    public static let defaultHopsToLive: UInt8 = 30

    public init(
        hopsToLive: UInt8 = MeshMessage.defaultHopsToLive,
        kind: Kind,
        sourceNode: String,
        destinationNode: String,
        sourceService: String,
        destinationService: String,
        payload: ByteBuffer
    ) {
        self.hopsToLive = hopsToLive
        self.kind = kind
        self.sourceNode = sourceNode
        self.destinationNode = destinationNode
        self.sourceService = sourceService
        self.destinationService = destinationService
        self.payload = payload
    }
}

/// Why a message could not be delivered; sent back to the message's source.
public struct Unreachable: Sendable, Hashable {
    /// Problem codes; the texts are the ones receptor's clients see.
    public enum Problem: UInt8, Sendable, CustomStringConvertible {
        case noRoute = 1
        case expired = 2
        case serviceUnknown = 3
        case blockedByFirewall = 4
        case noConnection = 5

        public var description: String {
            switch self {
            case .noRoute: "no route to node"
            case .expired: "message expired"
            case .serviceUnknown: "service unknown"
            case .blockedByFirewall: "blocked by firewall"
            case .noConnection: "no connection to next hop"
            }
        }
    }

    public var problem: Problem
    /// The node that found the problem.
    public var reportingNode: String

    public init(problem: Problem, reportingNode: String) {
        self.problem = problem
        self.reportingNode = reportingNode
    }
}
