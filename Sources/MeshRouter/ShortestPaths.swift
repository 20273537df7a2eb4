import HeapModule
import MeshProtocol

/// The result of one shortest-path computation from the local node.
public struct ShortestPaths: Sendable, Hashable {
    /// Destination -> first-hop neighbour. Never contains the local node.
    public var nextHops: [String: String]
    /// Destination -> total path cost. Never contains the local node.
    public var costs: [String: Double]

    /// - Parameters:
    ///   - nextHops: destination -> first hop.
    ///   - costs: destination -> total cost.
    public init(nextHops: [String: String] = [:], costs: [String: Double] = [:]) {
        self.nextHops = nextHops
        self.costs = costs
    }
}

extension ShortestPaths {
    /// Dijkstra from `localNode`.
    ///
    /// Edges from the local node are its live links. Any other edge A -> B (cost as A advertises
    /// it) is usable only if B lists A too (B's advertisement, or our live links when B is us).
    /// Among equal-cost paths the one whose first hop sorts first wins, so every node computes
    /// the same table from the same database.
    init(localNode: String, localLinks: [String: Double], store: [String: StoredAdvertisement]) {
        self.init()
        guard !localLinks.isEmpty else { return }

        // Index 0 is us; then neighbours, in first-hop order (so a hop's rank is its index - 1);
        // then every other origin.
        let hops = localLinks.keys.sorted()
        var names = [localNode]
        names.reserveCapacity(store.count + hops.count + 1)
        var index = [localNode: 0]
        index.reserveCapacity(names.capacity)
        for name in hops {
            index[name] = names.count
            names.append(name)
        }
        for name in store.keys where index[name] == nil {
            index[name] = names.count
            names.append(name)
        }

        var cost = [Double](repeating: .infinity, count: names.count)
        var hop = [Int](repeating: Int.max, count: names.count)
        var settled = [Bool](repeating: false, count: names.count)
        var queue = Heap<Label>()

        settled[0] = true
        for (offset, name) in hops.enumerated() {
            let node = offset + 1
            cost[node] = localLinks[name]!
            hop[node] = offset
            queue.insert(Label(cost: cost[node], hop: offset, node: node))
        }

        while let label = queue.popMin() {
            let node = label.node
            if settled[node] || label.cost != cost[node] || label.hop != hop[node] { continue }
            settled[node] = true
            let name = names[node]
            guard let links = store[name]?.advertisement.links else { continue }
            for (peer, linkCost) in links {
                guard let next = index[peer], !settled[next] else { continue }
                // Two-way check (`next` is never 0 here: we are settled first).
                guard store[peer]?.advertisement.links[name] != nil else { continue }
                let candidate = label.cost + linkCost
                if candidate < cost[next] || (candidate == cost[next] && label.hop < hop[next]) {
                    cost[next] = candidate
                    hop[next] = label.hop
                    queue.insert(Label(cost: candidate, hop: label.hop, node: next))
                }
            }
        }

        for node in 1..<names.count where settled[node] {
            nextHops[names[node]] = hops[hop[node]]
            costs[names[node]] = cost[node]
        }
    }
}

/// A tentative distance in the Dijkstra queue: ordered by cost, then first-hop rank.
private struct Label: Comparable {
    var cost: Double
    var hop: Int
    var node: Int

    static func < (lhs: Label, rhs: Label) -> Bool {
        (lhs.cost, lhs.hop, lhs.node) < (rhs.cost, rhs.hop, rhs.node)
    }
}
