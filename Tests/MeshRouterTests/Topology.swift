import MeshTestSupport
/// An undirected graph with integer costs and latencies, used to build simulated meshes and to
/// compute the expected routes independently of the router.
struct Topology {
    struct Edge: Hashable {
        var a: Int
        var b: Int
        var cost: Int
        var latencyMillis: Int
    }

    var nodeCount: Int
    var edges: [Edge]

    /// Node names sort in index order.
    static func name(_ index: Int) -> String {
        let digits = String(index)
        return "n" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    /// A random connected graph: a random spanning tree plus extra random edges until the
    /// average degree is about `averageDegree`. Costs 1...maxCost, latencies 1...10 ms.
    static func randomConnected(
        nodes: Int,
        averageDegree: Double,
        maxCost: Int = 4,
        seed: UInt64
    ) -> Topology {
        var rng = SplitMix64(seed: seed)
        var edges: [Edge] = []
        var seen = Set<[Int]>()
        func add(_ a: Int, _ b: Int) -> Bool {
            guard a != b, seen.insert([min(a, b), max(a, b)]).inserted else { return false }
            edges.append(
                Edge(
                    a: a,
                    b: b,
                    cost: Int.random(in: 1...maxCost, using: &rng),
                    latencyMillis: Int.random(in: 1...10, using: &rng)
                )
            )
            return true
        }
        for node in 1..<nodes {
            _ = add(node, Int.random(in: 0..<node, using: &rng))
        }
        let target = Int(Double(nodes) * averageDegree / 2)
        while edges.count < target {
            _ = add(Int.random(in: 0..<nodes, using: &rng), Int.random(in: 0..<nodes, using: &rng))
        }
        return Topology(nodeCount: nodes, edges: edges)
    }
}

/// Expected routes for every source, computed without the router's code: a bucket-queue
/// shortest-path search per source over integer costs, then, for each destination, the
/// neighbour with the smallest name that starts some shortest path.
struct ReferenceRoutes {
    /// distance[s][t], or `Int.max` when unreachable.
    var distance: [[Int]]
    /// nextHop[s][t] (an index), or -1 when unreachable or s == t.
    var nextHop: [[Int]]

    /// - Parameters:
    ///   - nodeCount: number of nodes.
    ///   - edges: usable undirected edges (both ends up).
    ///   - name: node names, for the first-hop tie-break.
    init(nodeCount: Int, edges: [Topology.Edge], name: (Int) -> String) {
        var adjacency = [[(node: Int, cost: Int)]](repeating: [], count: nodeCount)
        for edge in edges {
            adjacency[edge.a].append((edge.b, edge.cost))
            adjacency[edge.b].append((edge.a, edge.cost))
        }
        let names = (0..<nodeCount).map(name)
        for node in 0..<nodeCount {
            adjacency[node].sort { names[$0.node] < names[$1.node] }
        }

        distance = []
        distance.reserveCapacity(nodeCount)
        for source in 0..<nodeCount {
            var dist = [Int](repeating: .max, count: nodeCount)
            dist[source] = 0
            var buckets: [[Int]] = [[source]]
            var current = 0
            while current < buckets.count {
                var position = 0
                while position < buckets[current].count {
                    let node = buckets[current][position]
                    position += 1
                    guard dist[node] == current else { continue }
                    for (peer, cost) in adjacency[node] where current + cost < dist[peer] {
                        dist[peer] = current + cost
                        while buckets.count <= current + cost { buckets.append([]) }
                        buckets[current + cost].append(peer)
                    }
                }
                current += 1
            }
            distance.append(dist)
        }

        nextHop = []
        nextHop.reserveCapacity(nodeCount)
        for source in 0..<nodeCount {
            var hops = [Int](repeating: -1, count: nodeCount)
            for target in 0..<nodeCount where target != source && distance[source][target] != .max {
                for (peer, cost) in adjacency[source]
                where distance[peer][target] != .max && cost + distance[peer][target] == distance[source][target]
                {
                    hops[target] = peer  // adjacency is sorted by name: the first match wins
                    break
                }
            }
            nextHop.append(hops)
        }
    }
}
