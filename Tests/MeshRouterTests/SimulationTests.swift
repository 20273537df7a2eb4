import MeshProtocol
@testable import MeshRouter
import Testing

@Suite("Simulated meshes")
struct SimulationTests {
    @Test("Chain and diamond converge to the right next hops and costs")
    func smallTopologies() {
        // a - b - c - d (costs 1, 2, 3) and a diamond d - e, d - f, e - g, f - g.
        var sim = MeshSimulator()
        for name in ["a", "b", "c", "d", "e", "f", "g"] {
            sim.addHost(name)
        }
        sim.connect(0, 1, cost: 1)
        sim.connect(1, 2, cost: 2)
        sim.connect(2, 3, cost: 3)
        sim.connect(3, 4, cost: 1)
        sim.connect(3, 5, cost: 1)
        sim.connect(4, 6, cost: 1)
        sim.connect(5, 6, cost: 1)
        sim.run(for: .seconds(1))

        var a = sim.routers[0]
        #expect(a.routingTable == ["b": "b", "c": "b", "d": "b", "e": "b", "f": "b", "g": "b"])
        #expect(a.pathCosts == ["b": 1, "c": 3, "d": 6, "e": 7, "f": 7, "g": 8])
        #expect(sim.routers[3].routingTable["g"] == "e")  // tie broken toward "e"
        #expect(sim.routers[6].routingTable["a"] == "e")
        #expect(sim.routers[2].routingTable == ["a": "b", "b": "b", "d": "d", "e": "d", "f": "d", "g": "d"])
        #expect(sim.routeMismatches().isEmpty)
        #expect(sim.sendsToNonNeighbours == 0)
    }

    @Test("A random 1,000-node mesh converges to the reference shortest paths everywhere")
    func thousandNodes() {
        let topology = Topology.randomConnected(nodes: 1_000, averageDegree: 3, seed: 0x5EED)
        var sim = MeshSimulator()
        sim.build(topology)
        sim.run(for: .seconds(3))

        #expect(sim.routers.allSatisfy { $0.store.count == 999 })
        let mismatches = sim.routeMismatches()
        #expect(mismatches.isEmpty, "\(mismatches)")
        #expect(sim.sendsToNonNeighbours == 0)

        // Exactly one flood per node at start-up: its origin sends it to every neighbour, every
        // other node forwards it once to every neighbour but the one it came from. (The link-up
        // exchanges at time zero carry nothing: nobody knows anything yet.)
        let perFlood = 2 * topology.edges.count - topology.nodeCount + 1
        #expect(sim.messagesSent == topology.nodeCount * perFlood)
        #expect(sim.advertisementsDelivered == topology.nodeCount * perFlood)
    }

    @Test("A change floods with O(edges) messages: exactly one per link direction but the incoming one")
    func floodCost() {
        let topology = Topology.randomConnected(nodes: 300, averageDegree: 4, seed: 42)
        var sim = MeshSimulator()
        sim.build(topology)
        sim.run(for: .seconds(2))
        #expect(sim.routeMismatches().isEmpty)

        let before = sim.messagesSent
        let control = ServiceAdvertisement(name: "control", connType: .streamTLS)
        sim.setServices(17, [control])
        sim.run(for: .seconds(1))
        #expect(sim.messagesSent - before == 2 * topology.edges.count - topology.nodeCount + 1)
        for host in sim.hosts.indices {
            #expect(sim.routers[host].nodeRecord(sim.name(17))?.services == [control])
        }

        // A link going down changes two advertisements: two floods.
        let edge = topology.edges[topology.edges.count - 1]
        let beforeDown = sim.messagesSent
        sim.disconnect(edge.a, edge.b)
        sim.run(for: .seconds(1))
        #expect(sim.messagesSent - beforeDown <= 2 * (2 * topology.edges.count))
        #expect(sim.routeMismatches().isEmpty)
    }

    @Test("A lost node leaves every routing table at once and every database after its lifetime")
    func nodeLoss() {
        let topology = Topology.randomConnected(nodes: 60, averageDegree: 3.5, seed: 7)
        var sim = MeshSimulator()
        sim.build(topology)
        sim.run(for: .seconds(45))  // past one refresh
        #expect(sim.routeMismatches().isEmpty)

        let lost = 23
        let lostName = sim.name(lost)
        let neighbours = sim.links[lost].values.map(\.peer)
        sim.kill(lost)
        for neighbour in neighbours {
            // No longer over the dead link itself, at once. (Another neighbour of the lost node
            // may still look like a way there until its own advertisement says otherwise.)
            #expect(sim.routers[neighbour].routingTable[lostName] != lostName)
        }
        // Gone everywhere once the neighbours' advertisements have flooded: flood delay plus
        // the mesh's latency, well under a second.
        sim.run(for: .seconds(1))
        for host in sim.hosts.indices where host != lost {
            #expect(sim.routers[host].routingTable[lostName] == nil)
            #expect(sim.routers[host].nodeRecord(lostName) != nil)  // unreachable, not yet aged out
        }
        #expect(sim.routeMismatches().isEmpty)

        sim.run(for: sim.configuration.lifetime)
        for host in sim.hosts.indices where host != lost {
            #expect(sim.routers[host].nodeRecord(lostName) == nil)
            #expect(sim.routers[host].knownConnectionCosts[lostName] == nil)
            #expect(sim.routers[host].advertisements.count == 59)
        }
        // The live part keeps refreshing itself and never ages out.
        sim.run(for: .seconds(300))
        #expect(sim.routeMismatches().isEmpty)
        for host in sim.hosts.indices where host != lost {
            #expect(sim.routers[host].advertisements.count == 59)
        }
    }

    /// Two 30-node halves joined by three bridges.
    func twoHalves() -> (MeshSimulator, bridges: [(Int, Int)]) {
        let left = Topology.randomConnected(nodes: 30, averageDegree: 3.5, seed: 1)
        let right = Topology.randomConnected(nodes: 30, averageDegree: 3.5, seed: 2)
        var sim = MeshSimulator()
        for node in 0..<60 {
            sim.addHost(Topology.name(node))
        }
        for edge in left.edges {
            sim.connect(edge.a, edge.b, cost: Double(edge.cost), latency: .milliseconds(edge.latencyMillis))
        }
        for edge in right.edges {
            sim.connect(edge.a + 30, edge.b + 30, cost: Double(edge.cost), latency: .milliseconds(edge.latencyMillis))
        }
        let bridges = [(3, 33), (11, 50), (25, 41)]
        for (a, b) in bridges {
            sim.connect(a, b, cost: 2, latency: .milliseconds(15))
        }
        return (sim, bridges)
    }

    @Test("Partition and heal, before and after the other half ages out")
    func partitionAndHeal() {
        var (sim, bridges) = twoHalves()
        sim.run(for: .seconds(2))
        #expect(sim.routeMismatches().isEmpty)

        for waited in [Duration.seconds(40), .seconds(200)] {
            for (a, b) in bridges {
                sim.disconnect(a, b)
            }
            sim.run(for: .seconds(1))
            #expect(sim.routeMismatches().isEmpty)
            for host in sim.hosts.indices {
                #expect(sim.routers[host].routingTable.count == 29)
            }
            sim.run(for: waited)
            let stored = sim.hosts.indices.map { sim.routers[$0].advertisements.count }
            #expect(Set(stored) == [waited < sim.configuration.lifetime ? 60 : 30])

            for (a, b) in bridges {
                sim.connect(a, b, cost: 2, latency: .milliseconds(15))
            }
            sim.run(for: .seconds(1))
            #expect(sim.routeMismatches().isEmpty)
            for host in sim.hosts.indices {
                #expect(sim.routers[host].advertisements.count == 60)
                // Everyone holds each origin's current advertisement.
                for origin in sim.hosts.indices {
                    let held = sim.routers[host].nodeRecord(sim.name(origin))
                    let current = sim.routers[origin].nodeRecord(sim.name(origin))
                    #expect(held?.sequence == current?.sequence && held?.links == current?.links)
                }
            }
        }
    }

    @Test(
        "A restarted node takes over even when its first sequence is below the one the mesh remembers",
        arguments: [Duration.seconds(5), .seconds(300)]
    )
    func restart(downtime: Duration) {
        let topology = Topology.randomConnected(nodes: 40, averageDegree: 3.5, seed: 11)
        var sim = MeshSimulator()
        for node in 0..<40 {
            sim.addHost(Topology.name(node), initialSequence: 1_000)
        }
        for edge in topology.edges {
            sim.connect(edge.a, edge.b, cost: Double(edge.cost), latency: .milliseconds(edge.latencyMillis))
        }
        sim.run(for: .seconds(70))
        let node = 5
        let name = sim.name(node)
        let oldSequence = sim.routers[node].sequence
        #expect(oldSequence > 1_000)
        let links = topology.edges.filter { $0.a == node || $0.b == node }

        sim.kill(node)
        sim.run(for: downtime)
        sim.restart(node, instance: 0xABCD, initialSequence: 0)
        for edge in links {
            sim.connect(edge.a, edge.b, cost: Double(edge.cost), latency: .milliseconds(edge.latencyMillis))
        }
        sim.run(for: .seconds(1))

        #expect(sim.hosts.allSatisfy { $0.duplicateReports.isEmpty })
        #expect(sim.routeMismatches().isEmpty)
        let current = sim.routers[node].nodeRecord(name)
        #expect(current?.instance == 0xABCD)
        if downtime < sim.configuration.lifetime {
            #expect(sim.routers[node].sequence > oldSequence)  // learnt and jumped past
        }
        for host in sim.hosts.indices {
            let held = sim.routers[host].nodeRecord(name)
            #expect(held?.instance == 0xABCD && held?.sequence == current?.sequence && held?.links == current?.links)
        }
    }

    /// x - dup - y - z - twin - w, where twin is a second process with dup's node ID; nobody links
    /// to both copies.
    func duplicatePair(twinStart: Duration, twinSequence: UInt64) -> MeshSimulator {
        var sim = MeshSimulator()
        let x = sim.addHost("x")
        let dup = sim.addHost("dup", instance: 1, initialSequence: 100)
        let y = sim.addHost("y")
        let z = sim.addHost("z")
        sim.connect(x, dup)
        sim.connect(dup, y)
        sim.connect(y, z)
        sim.run(for: twinStart)
        let twin = sim.addHost("dup", instance: 2, initialSequence: twinSequence)
        let w = sim.addHost("w")
        sim.connect(z, twin)
        sim.connect(twin, w)
        sim.run(for: .seconds(120))
        return sim
    }

    @Test("Two live processes with one node ID started together: reported, by no one else")
    func duplicatesStartedTogether() {
        let sim = duplicatePair(twinStart: .zero, twinSequence: 100)
        let dup = 1
        let twin = 4
        #expect(!(sim.hosts[dup].duplicateReports.isEmpty && sim.hosts[twin].duplicateReports.isEmpty))
        #expect(sim.hosts[dup].duplicateReports.allSatisfy { $0.instance == 2 })
        #expect(sim.hosts[twin].duplicateReports.allSatisfy { $0.instance == 1 })
        for host in [0, 2, 3, 5] {
            #expect(sim.hosts[host].duplicateReports.isEmpty)
        }
        // Reported once per new sequence of the other process, not once per copy received.
        #expect(sim.hosts[dup].duplicateReports.count + sim.hosts[twin].duplicateReports.count <= 2 * 6)
    }

    @Test(
        "A second process started later with our node ID is reported by the first, whatever its sequence",
        arguments: [1 as UInt64, 1_000_000]
    )
    func duplicateStartedLater(twinSequence: UInt64) {
        let sim = duplicatePair(twinStart: .seconds(10), twinSequence: twinSequence)
        #expect(!sim.hosts[1].duplicateReports.isEmpty)
        #expect(sim.hosts[1].duplicateReports.allSatisfy { $0.instance == 2 })
        #expect(sim.sendsToNonNeighbours == 0)
    }

    @Test("A newcomer learns the whole mesh, services included, from its first link within a round trip")
    func newcomer() {
        let topology = Topology.randomConnected(nodes: 100, averageDegree: 3.5, seed: 3)
        var sim = MeshSimulator()
        sim.build(topology)
        let control = ServiceAdvertisement(name: "control", connType: .streamTLS)
        for host in sim.hosts.indices {
            sim.setServices(host, [control])
        }
        sim.run(for: .seconds(2))

        let newcomer = sim.addHost("zz-new")
        sim.setServices(newcomer, [control])
        sim.connect(newcomer, 50, cost: 1, latency: .milliseconds(10))
        sim.run(for: .milliseconds(10))
        let learnt = sim.routers[newcomer].advertisements
        #expect(learnt.count == 101)
        #expect(learnt.allSatisfy { $0.services == [control] || $0.origin == "zz-new" })
        #expect(sim.routers[newcomer].routingTable.count == 100)

        sim.run(for: .milliseconds(500))
        #expect(sim.routeMismatches().isEmpty)
        for host in sim.hosts.indices {
            #expect(sim.routers[host].nodeRecord("zz-new")?.services == [control])
        }
    }
}
