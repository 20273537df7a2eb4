extension LinkStateRouter {
    /// Forget cached paths after a change of links or stored advertisements.
    mutating func invalidatePaths() {
        cachedPaths = nil
        pathsGeneration &+= 1
    }

    /// Whether a message that claims to come from `source` may arrive over our link to
    /// `neighbour`: the neighbour is the source itself, or it lies on a shortest path from the
    /// source to us (our cost to the source equals the link cost plus the neighbour's cost to it).
    ///
    /// Links are mutually authenticated and both ends agree on every cost, so paths are symmetric;
    /// a mesh member that is not on a shortest path from `source` to us therefore cannot make us
    /// accept a message in `source`'s name (the check is the link-state form of strict reverse-path
    /// forwarding, tolerant of equal-cost paths). Our own node ID never arrives from outside.
    public mutating func isPlausibleSource(_ source: String, from neighbour: String) -> Bool {
        if source == neighbour { return localLinks[neighbour] != nil }
        if source == localNode { return false }
        guard let linkCost = localLinks[neighbour], let ours = shortestPaths.costs[source] else { return false }
        guard let theirs = paths(from: neighbour).costs[source] else { return false }
        return abs(linkCost + theirs - ours) <= 1e-9 * max(1, ours)
    }

    /// Dijkstra as `neighbour` computes it, over the same database (cached per change).
    mutating func paths(from neighbour: String) -> ShortestPaths {
        if let cached = neighbourPaths[neighbour], cached.generation == pathsGeneration { return cached.paths }
        var links: [String: Double] = [:]
        for (peer, cost) in store[neighbour]?.advertisement.links ?? [:] {
            // The neighbour's links pass the same two-way check as everyone else's.
            let listsNeighbour = peer == localNode ? localLinks[neighbour] != nil : store[peer]?.advertisement.links[neighbour] != nil
            if listsNeighbour { links[peer] = cost }
        }
        var view = store
        view[neighbour] = nil
        var own = ownAdvertisement
        own.links = localLinks
        view[localNode] = StoredAdvertisement(own, receivedAt: .zero)
        let paths = ShortestPaths(localNode: neighbour, localLinks: links, store: view)
        if neighbourPaths.count > 4096 { neighbourPaths.removeAll() }
        neighbourPaths[neighbour] = (pathsGeneration, paths)
        return paths
    }
}
