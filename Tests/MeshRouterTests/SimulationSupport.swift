import MeshProtocol
import MeshRouter

extension MeshSimulator {
    /// Links currently up between live hosts.
    var liveEdges: [Topology.Edge] {
        var result: [Topology.Edge] = []
        for (index, host) in hosts.enumerated() where host.alive {
            for link in links[index].values where index < link.peer {
                result.append(Topology.Edge(a: index, b: link.peer, cost: Int(link.cost), latencyMillis: 0))
            }
        }
        return result
    }

    /// Compares every live router's next hops and costs with ``ReferenceRoutes`` over the live
    /// links; returns descriptions of the first few differences (empty when all agree).
    func routeMismatches(limit: Int = 5) -> [String] {
        let reference = ReferenceRoutes(nodeCount: hosts.count, edges: liveEdges, name: { name($0) })
        let names = hosts.indices.map { name($0) }
        var problems: [String] = []
        for source in hosts.indices where hosts[source].alive {
            var router = routers[source]
            let paths = router.shortestPaths
            var expectedCount = 0
            for target in hosts.indices where target != source && reference.distance[source][target] != .max {
                expectedCount += 1
                let hop = paths.nextHops[names[target]]
                let cost = paths.costs[names[target]]
                let expectedHop = names[reference.nextHop[source][target]]
                let expectedCost = Double(reference.distance[source][target])
                if hop != expectedHop || cost != expectedCost {
                    problems.append(
                        "\(names[source]) -> \(names[target]): got \(hop ?? "-")/\(cost ?? -1), "
                            + "expected \(expectedHop)/\(expectedCost)"
                    )
                    if problems.count >= limit { return problems }
                }
            }
            if paths.nextHops.count != expectedCount || paths.costs.count != expectedCount {
                problems.append("\(names[source]) knows \(paths.nextHops.count) routes, expected \(expectedCount)")
                if problems.count >= limit { return problems }
            }
        }
        return problems
    }

    /// Origins stored by `host` (its own included).
    func storedOrigins(_ host: Int) -> Set<String> {
        Set(routers[host].advertisements.map(\.origin))
    }
}
