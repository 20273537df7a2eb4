import MeshProtocol

/// The mesh graph from the link-state database, with the shortest paths from the local node
/// highlighted, as Graphviz DOT, Mermaid, or text.
public struct Topology: Equatable, Sendable {
    public struct Edge: Equatable, Sendable {
        public var a: String
        public var b: String
        public var cost: Double
        /// On a shortest path from the local node.
        public var onRoute: Bool
    }

    public var localNode: String
    public var nodes: [String]
    public var edges: [Edge]

    /// Builds the graph from a `status` reply. Links count when both ends list each other (as the
    /// router uses them); the route tree is Dijkstra from the local node over those links.
    public init(status: JSONValue) {
        let inventory = MeshInventory(status: status, now: 0)
        localNode = inventory.localNode
        nodes = inventory.nodes.map(\.id)
        var costs: [String: [String: Double]] = [:]
        for n in inventory.nodes { costs[n.id] = n.links }
        var pairs: [Edge] = []
        for (a, peers) in costs {
            for (b, cost) in peers where a < b && costs[b]?[a] != nil {
                pairs.append(Edge(a: a, b: b, cost: cost, onRoute: false))
            }
        }
        let tree = Self.shortestPathTree(from: localNode, costs: costs)
        edges = pairs.map { e in
            var e = e
            e.onRoute = tree.contains([e.a, e.b]) || tree.contains([e.b, e.a])
            return e
        }.sorted { ($0.a, $0.b) < ($1.a, $1.b) }
    }

    /// Edges (parent, child) of the shortest-path tree; ties go to the smaller node ID.
    static func shortestPathTree(from source: String, costs: [String: [String: Double]]) -> Set<[String]> {
        var distance: [String: Double] = [source: 0]
        var parent: [String: String] = [:]
        var done: Set<String> = []
        while true {
            guard let (node, d) = distance.filter({ !done.contains($0.key) }).min(by: { ($0.value, $0.key) < ($1.value, $1.key) })
            else { break }
            done.insert(node)
            for (peer, cost) in costs[node] ?? [:] where costs[peer]?[node] != nil {
                let candidate = d + cost
                if candidate < distance[peer] ?? .infinity
                    || (candidate == distance[peer] && node < (parent[peer] ?? node))
                {
                    distance[peer] = candidate
                    parent[peer] = node
                }
            }
        }
        return Set(parent.map { [$0.value, $0.key] })
    }

    private static func cost(_ c: Double) -> String { JSONValue.formatNumber(c) }

    /// Graphviz DOT (undirected); route edges bold, the local node filled.
    public var dot: String {
        var out = "graph mesh {\n  node [shape=box];\n"
        for n in nodes {
            out += n == localNode ? "  \"\(n)\" [style=filled, fillcolor=lightblue];\n" : "  \"\(n)\";\n"
        }
        for e in edges {
            let style = e.onRoute ? ", penwidth=2.5, color=blue" : ""
            out += "  \"\(e.a)\" -- \"\(e.b)\" [label=\"\(Self.cost(e.cost))\"\(style)];\n"
        }
        return out + "}\n"
    }

    /// Mermaid flowchart; route edges thick.
    public var mermaid: String {
        func id(_ n: String) -> String {
            "n_" + n.unicodeScalars.map { ($0.properties.isAlphabetic || ("0"..."9").contains($0)) ? String($0) : "_" }.joined()
        }
        var out = "graph LR\n"
        for n in nodes { out += "  \(id(n))[\"\(n)\(n == localNode ? " (local)" : "")\"]\n" }
        for e in edges {
            out += "  \(id(e.a)) \(e.onRoute ? "===" : "---")|\(Self.cost(e.cost))| \(id(e.b))\n"
        }
        return out
    }

    /// One line per link; `*` marks links on the local node's routes.
    public var text: String {
        var out = "Mesh as seen from \(localNode): \(nodes.count) nodes, \(edges.count) links (* = on a route from \(localNode))\n"
        for e in edges {
            out += "\(e.onRoute ? "*" : " ") \(e.a) -- \(e.b)  cost \(Self.cost(e.cost))\n"
        }
        let linked = Set(edges.flatMap { [$0.a, $0.b] })
        for n in nodes where !linked.contains(n) { out += "  \(n) (no links)\n" }
        return out
    }
}
