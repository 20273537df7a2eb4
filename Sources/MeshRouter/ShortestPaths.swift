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
    /// Among equal-cost paths the one whose first hop sorts first wins, so the table does not
    /// depend on hashing or arrival order.
    init(localNode: String, localLinks: [String: Double], store: [String: StoredAdvertisement]) {
        self.init()
        guard !localLinks.isEmpty else { return }

        // Index 0 is us; then our neighbours in first-hop order (hop rank = index - 1); then
        // every other origin.
        let hops = localLinks.keys.sorted()
        var names = [localNode]
        names.reserveCapacity(store.count + hops.count + 1)
        var index = [localNode: 0]
        index.reserveCapacity(store.count + hops.count + 1)
        for name in hops {
            index[name] = names.count
            names.append(name)
        }
        for name in store.keys where index[name] == nil {
            index[name] = names.count
            names.append(name)
        }

        // Advertised links per node (us: none needed, our edges are seeded below).
        var advertised = [[String: Double]](repeating: [:], count: names.count)
        for (name, record) in store {
            guard let i = index[name] else { continue }  // every stored name was indexed above
            advertised[i] = record.advertisement.links
        }

        var cost = [Double](repeating: .infinity, count: names.count)
        var hop = [Int](repeating: Int.max, count: names.count)
        var settled = [Bool](repeating: false, count: names.count)
        var queue = LabelQueue()

        settled[0] = true
        for offset in hops.indices {
            let node = offset + 1
            cost[node] = localLinks[hops[offset]] ?? .infinity  // `hops` are localLinks' keys
            hop[node] = offset
            queue.insert(Label(cost: cost[node], hop: offset, node: node))
        }

        while let label = queue.popMin() {
            let node = label.node
            if settled[node] || label.cost != cost[node] || label.hop != hop[node] { continue }
            settled[node] = true
            let name = names[node]
            for (peer, linkCost) in advertised[node] {
                guard let next = index[peer], !settled[next] else { continue }
                // Two-way check (`next` is never us: we are settled first).
                guard advertised[next][name] != nil else { continue }
                let candidate = label.cost + linkCost
                if candidate < cost[next] || (candidate == cost[next] && label.hop < hop[next]) {
                    cost[next] = candidate
                    hop[next] = label.hop
                    queue.insert(Label(cost: candidate, hop: label.hop, node: next))
                }
            }
        }

        nextHops.reserveCapacity(names.count)
        costs.reserveCapacity(names.count)
        for node in 1..<names.count where settled[node] {
            nextHops[names[node]] = hops[hop[node]]
            costs[names[node]] = cost[node]
        }
    }
}

/// A tentative distance in the Dijkstra queue: ordered by cost, then first-hop rank.
struct Label {
    var cost: Double
    var hop: Int
    var node: Int

    func precedes(_ other: Label) -> Bool {
        if cost != other.cost { return cost < other.cost }
        if hop != other.hop { return hop < other.hop }
        return node < other.node
    }
}

/// A binary min-heap of ``Label``s (concrete, so it stays fast in unoptimised builds too).
struct LabelQueue {
    private var items: [Label] = []

    mutating func insert(_ label: Label) {
        items.append(label)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].precedes(items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popMin() -> Label? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return first }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left].precedes(items[smallest]) { smallest = left }
            if right < items.count, items[right].precedes(items[smallest]) { smallest = right }
            if smallest == parent { return first }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
