import MeshProtocol

/// One line per node of the mesh, from a `status` reply: what AWX's heartbeat derives.
public struct MeshInventory: Equatable, Sendable {
    public enum Role: String, Equatable, Sendable {
        case execution
        case control
        case hop
    }

    public enum State: String, Equatable, Sendable {
        case ready
        case lost
    }

    public struct Node: Equatable, Sendable {
        public var id: String
        public var role: Role
        public var services: [String]
        public var workTypes: [String]
        public var links: [String: Double]
        /// Newest advertisement time, seconds since 1970 (nil if it never advertised).
        public var lastSeen: Double?
        public var state: State
        public var isLocal: Bool
    }

    public var localNode: String
    public var nodes: [Node]

    /// - Parameters:
    ///   - status: the `status` reply.
    ///   - now: seconds since 1970.
    ///   - heartbeatPeriod: AWX's `CLUSTER_NODE_HEARTBEAT_PERIOD` (60 s).
    ///   - missedHeartbeats: AWX's `CLUSTER_NODE_MISSED_HEARTBEAT_TOLERANCE` (2).
    public init(status: JSONValue, now: Double, heartbeatPeriod: Double = 60, missedHeartbeats: Double = 2) {
        guard case .object(let s) = status else {
            localNode = ""
            nodes = []
            return
        }
        localNode = s["NodeID"]?.stringValue ?? ""
        var costs: [String: [String: Double]] = [:]
        if case .object(let known)? = s["KnownConnectionCosts"] {
            for (node, peers) in known {
                guard case .object(let p) = peers else { continue }
                costs[node] = p.compactMapValues(\.numberValue)
            }
        }
        var services: [String: [String]] = [:]
        var workTypes: [String: Set<String>] = [:]
        var controlNodes: Set<String> = []
        var lastSeen: [String: Double] = [:]
        if case .array(let ads)? = s["Advertisements"] {
            for case .object(let ad) in ads {
                guard let node = ad["NodeID"]?.stringValue else { continue }
                let service = ad["Service"]?.stringValue ?? ""
                services[node, default: []].append(service)
                if case .object(let tags)? = ad["Tags"], tags["type"]?.stringValue == "Control Service" {
                    controlNodes.insert(node)
                }
                if case .array(let commands)? = ad["WorkCommands"] {
                    for case .object(let c) in commands {
                        if let t = c["WorkType"]?.stringValue { workTypes[node, default: []].insert(t) }
                    }
                }
                if let t = ad["Time"]?.stringValue, let seconds = RFC3339Time.seconds(t) {
                    lastSeen[node] = max(lastSeen[node] ?? 0, seconds)
                }
            }
        }
        var ids = Set(costs.keys).union(services.keys).union(costs.values.flatMap(\.keys))
        if !localNode.isEmpty { ids.insert(localNode) }
        let threshold = heartbeatPeriod * missedHeartbeats
        let local = localNode
        nodes = ids.sorted().map { id in
            let types = workTypes[id].map { Array($0).sorted() } ?? []
            let role: Role = !types.isEmpty ? .execution : (controlNodes.contains(id) ? .control : .hop)
            let seen = id == local ? now : lastSeen[id]
            let state: State = (seen.map { now - $0 <= threshold } ?? false) ? .ready : .lost
            return Node(
                id: id,
                role: role,
                services: (services[id] ?? []).sorted(),
                workTypes: types,
                links: costs[id] ?? [:],
                lastSeen: seen,
                state: state,
                isLocal: id == local
            )
        }
    }
}

extension JSONValue {
    /// The number, if this is one.
    public var numberValue: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
}
