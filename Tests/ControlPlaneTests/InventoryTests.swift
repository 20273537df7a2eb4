import MeshProtocol
import Testing

@testable import ControlPlane

@Suite("mesh inventory and topology")
struct InventoryTests {
    /// A chain control - hop - exec as seen from control; exec advertises work types.
    static let status = try! JSONParser.parse(
        #"""
        {"NodeID":"control","Version":"x","SystemCPUCount":2,"SystemMemoryMiB":100,
         "Connections":[{"NodeID":"hop","Cost":1}],
         "RoutingTable":{"hop":"hop","exec":"hop"},
         "KnownConnectionCosts":{"control":{"hop":1},"hop":{"control":1,"exec":2},"exec":{"hop":2}},
         "Advertisements":[
          {"NodeID":"control","Service":"control","Time":"2026-11-29T10:00:00Z","ConnType":1,"Tags":{"type":"Control Service"},"WorkCommands":null},
          {"NodeID":"hop","Service":"control","Time":"2026-11-29T09:59:00Z","ConnType":1,"Tags":{"type":"Control Service"},"WorkCommands":null},
          {"NodeID":"hop","Service":"relay","Time":"2026-11-29T09:59:30.5Z","ConnType":1,"Tags":null,"WorkCommands":null},
          {"NodeID":"exec","Service":"control","Time":"2026-11-29T11:00:00+01:00","ConnType":1,"Tags":{"type":"Control Service"},"WorkCommands":[{"WorkType":"ansible-runner","Secure":true}]}
         ]}
        """#
    )
    static let now = RFC3339Time.seconds("2026-11-29T10:01:00Z")!

    @Test("roles, services, links, last seen and lost/ready")
    func inventory() throws {
        let inv = MeshInventory(status: Self.status, now: Self.now, heartbeatPeriod: 30, missedHeartbeats: 2)
        #expect(inv.localNode == "control")
        let byID = Dictionary(uniqueKeysWithValues: inv.nodes.map { ($0.id, $0) })
        #expect(byID["exec"]?.role == .execution)
        #expect(byID["exec"]?.workTypes == ["ansible-runner"])
        #expect(byID["control"]?.role == .control)
        #expect(byID["hop"]?.role == .control)  // it advertises a control service
        #expect(byID["hop"]?.services == ["control", "relay"])
        #expect(byID["hop"]?.lastSeen == RFC3339Time.seconds("2026-11-29T09:59:30.5Z"))
        #expect(byID["exec"]?.links == ["hop": 2])
        // exec: 11:00+01:00 = 10:00Z, 60 s ago (threshold 60 s) -> ready; hop: 90 s ago -> lost.
        #expect(byID["exec"]?.state == .ready)
        #expect(byID["hop"]?.state == .lost)
        #expect(byID["control"]?.state == .ready)
    }

    @Test("RFC 3339 parsing with offsets and fractions")
    func times() {
        #expect(RFC3339Time.seconds("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339Time.seconds("1970-01-01T01:00:00+01:00") == 0)
        #expect(RFC3339Time.seconds("2024-10-24T16:36:52.5-04:00") == 1_729_802_212.5)
        #expect(RFC3339Time.seconds("not a time") == nil)
    }

    @Test("topology: links both ends list, the route tree from the local node, three formats")
    func topology() {
        let t = Topology(status: Self.status)
        #expect(t.edges.map { "\($0.a)-\($0.b)" } == ["control-hop", "exec-hop"])
        #expect(t.edges.allSatisfy { $0.onRoute })
        #expect(t.dot.contains("\"control\" [style=filled, fillcolor=lightblue];"))
        #expect(t.dot.contains("\"exec\" -- \"hop\" [label=\"2\", penwidth=2.5, color=blue];"))
        #expect(t.mermaid.contains("n_control ===|1| n_hop"))
        #expect(t.text.contains("* exec -- hop  cost 2"))
    }

    @Test("a link only one end lists is not drawn; a cheaper detour is the route")
    func routeTree() {
        let costs: [String: [String: Double]] = [
            "a": ["b": 1, "c": 5], "b": ["a": 1, "c": 1], "c": ["a": 5, "b": 1, "d": 1], "d": [:],
        ]
        let tree = Topology.shortestPathTree(from: "a", costs: costs)
        #expect(tree == [["a", "b"], ["b", "c"]])
    }
}
