import Foundation
import NIOCore
import Prometheus

/// The node's Prometheus metrics. Values are taken from the live state at each scrape (links,
/// routes, streams, work units by state) and counters advance by what happened since the last one,
/// so the data path carries no metrics code beyond a few integer increments.
final class MeshMetrics {
    let registry = PrometheusCollectorRegistry()
    private unowned let core: MeshCore
    /// Work units by state name, supplied by the work-unit manager.
    var workStates: (() -> [String: Int])?
    /// Work-unit status writes that failed since start-up, supplied by the work-unit manager.
    var workStatusWriteFailures: (() -> UInt64)?
    private var lastStatusWriteFailures: UInt64 = 0
    private var lastLink: [String: MeshCore.LinkCounters] = [:]
    private var lastCommands: [String: UInt64] = [:]
    private var knownPeers: Set<String> = []
    private var knownStates: Set<String> = []
    private var lastForwarded = 0
    private var lastDropped = 0
    private var lastProtocolErrors: [String: UInt64] = [:]

    init(core: MeshCore) {
        self.core = core
    }

    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "receptord", metricName: name, unitName: "", helpText: help),
            labels: labels
        )
    }

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "receptord", metricName: name, unitName: "total", helpText: help),
            labels: labels
        )
    }

    /// The exposition text (``update()`` and the rendering, here and now).
    func scrape() -> [UInt8] {
        update().emitToBuffer()
    }

    /// Brings every value up to date from the live state (on the loop: it reads the node), and
    /// returns the registry, whose rendering is thread-safe and can run anywhere.
    func update() -> PrometheusCollectorRegistry {
        let links = core.linkCounters
        let up = Set(links.map(\.peer))
        for peer in knownPeers.union(up) {
            gauge("link_up", "1 while the link to the peer is up", [("peer", peer)]).set(up.contains(peer) ? 1.0 : 0.0)
        }
        knownPeers.formUnion(up)
        for l in links {
            let labels = [("peer", l.peer)]
            let before = lastLink[l.peer]
            func advance(_ name: String, _ help: String, _ now: UInt64, _ then: UInt64?) {
                let delta = now >= (then ?? 0) ? now - (then ?? 0) : now
                counter(name, help, labels).increment(by: Int64(delta))
            }
            advance("link_frames_received", "Frames received on the link", l.framesIn, before?.framesIn)
            advance("link_frames_sent", "Routed frames sent on the link", l.framesOut, before?.framesOut)
            advance("link_bytes_received", "Message bytes received on the link", l.bytesIn, before?.bytesIn)
            advance("link_bytes_sent", "Message bytes sent on the link", l.bytesOut, before?.bytesOut)
            gauge("link_queue_bytes", "Data waiting in the link's queue", labels).set(Double(l.queuedBytes))
            gauge("link_cost", "Configured link cost", labels).set(l.cost)
            if let rtt = l.rtt {
                let seconds = Double(rtt.components.seconds) + Double(rtt.components.attoseconds) / 1e18
                gauge("link_rtt_seconds", "Last heartbeat round trip", labels).set(seconds)
            }
            lastLink[l.peer] = l
        }
        gauge("routes", "Destinations in the routing table").set(Double(core.routingTable.count))
        gauge("known_nodes", "Nodes in the link-state database").set(Double(core.knownConnectionCosts.count))
        gauge("streams", "Mesh streams open on this node").set(Double(core.streamCount))
        counter("messages_forwarded", "Messages forwarded or originated")
            .increment(by: Int64(core.forwardedMessages - lastForwarded))
        counter("messages_dropped", "Messages dropped at a full link queue")
            .increment(by: Int64(core.droppedMessages - lastDropped))
        lastForwarded = core.forwardedMessages
        lastDropped = core.droppedMessages
        for (kind, count) in core.protocolErrors {
            counter("protocol_errors", "Protocol violations by peers: links closed, frames and advertisements dropped", [("kind", kind)])
                .increment(by: Int64(clamping: count &- (lastProtocolErrors[kind] ?? 0)))
            lastProtocolErrors[kind] = count
        }
        for (command, count) in core.controlCommands {
            counter("control_commands", "Control commands served", [("command", command)])
                .increment(by: Int64(count - (lastCommands[command] ?? 0)))
            lastCommands[command] = count
        }
        if let states = workStates?() {
            for state in knownStates.union(states.keys) {
                gauge("work_units", "Work units by state", [("state", state)])
                    .set(Double(states[state] ?? 0))
            }
            knownStates.formUnion(states.keys)
        }
        if let failures = workStatusWriteFailures?() {
            counter("work_status_write_failures", "Work-unit status writes that failed (the unit's Detail says so)")
                .increment(by: Int64(clamping: failures &- lastStatusWriteFailures))
            lastStatusWriteFailures = failures
        }
        return registry
    }
}
