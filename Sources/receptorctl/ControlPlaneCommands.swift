import ArgumentParser
import ControlPlane
import Foundation
import MeshProtocol

/// `receptorctl nodes`: one line per known node, as AWX's heartbeat sees the mesh.
struct Nodes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the nodes of the mesh: role, services, links, last seen, and ready or lost (AWX's rule)."
    )
    @Option(help: "Seconds between AWX heartbeats (CLUSTER_NODE_HEARTBEAT_PERIOD).") var heartbeatPeriod = 60.0
    @Option(help: "Missed heartbeats before a node is lost (CLUSTER_NODE_MISSED_HEARTBEAT_TOLERANCE).")
    var missedHeartbeats = 2.0
    @Flag(name: .customLong("json"), help: "Print as JSON") var printJSON = false

    func run() throws {
        try withConnection { c in
            let status = try c.simpleCommand("status")
            let now = Date().timeIntervalSince1970
            let inventory = MeshInventory(status: status, now: now, heartbeatPeriod: heartbeatPeriod, missedHeartbeats: missedHeartbeats)
            if printJSON {
                let list: [JSONValue] = inventory.nodes.map { n in
                    .object([
                        "NodeID": .string(n.id),
                        "Role": .string(n.role.rawValue),
                        "Services": .array(n.services.map { .string($0) }),
                        "WorkTypes": .array(n.workTypes.map { .string($0) }),
                        "Links": .object(n.links.mapValues { .double($0) }),
                        "LastSeen": n.lastSeen.map { .string(Self.time($0)) } ?? .null,
                        "State": .string(n.state.rawValue),
                    ])
                }
                print(PythonStyleJSON.pretty(.array(list)))
                return
            }
            let width = max(12, inventory.nodes.map(\.id.count).max() ?? 0)
            func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
            print("\(pad("Node", width)) \(pad("Role", 9)) \(pad("State", 5)) \(pad("Last Seen", 19)) \(pad("Services", 20)) Links")
            for n in inventory.nodes {
                let seen = n.lastSeen.map(Self.time) ?? "never"
                let links = n.links.keys.sorted().map { "\($0): \(JSONValue.formatNumber(n.links[$0]!))" }.joined(separator: " ")
                let services = n.services.joined(separator: ",")
                print("\(pad(n.id + (n.isLocal ? "*" : ""), width)) \(pad(n.role.rawValue, 9)) \(pad(n.state.rawValue, 5)) \(pad(seen, 19)) \(pad(services.isEmpty ? "-" : services, 20)) \(links.isEmpty ? "-" : links)")
            }
        }
    }

    static func time(_ seconds: Double) -> String {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        func p(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(tm.tm_year + 1900)-\(p(tm.tm_mon + 1))-\(p(tm.tm_mday)) \(p(tm.tm_hour)):\(p(tm.tm_min)):\(p(tm.tm_sec))"
    }
}

/// `receptorctl topology`: the mesh graph with the local node's routes highlighted.
struct Topology: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the mesh graph (DOT renders with Graphviz).")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dot, mermaid, text
    }

    @Option(help: "dot, mermaid or text") var format: Format = .text

    func run() throws {
        try withConnection { c in
            let graph = ControlPlane.Topology(status: try c.simpleCommand("status"))
            switch format {
            case .dot: print(graph.dot, terminator: "")
            case .mermaid: print(graph.mermaid, terminator: "")
            case .text: print(graph.text, terminator: "")
            }
        }
    }
}

/// `receptorctl health NODE...`: AWX's execution-node health check, available to anyone. It runs
/// the worker-info probe on each node over the mesh and computes capacity with AWX's formulas.
struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the worker-info health probe on nodes and compute their capacity as AWX does."
    )
    @Argument(help: "Nodes to probe") var nodes: [String]
    @Option(help: "Work type that runs `ansible-runner worker`") var workType = "ansible-runner"
    @Option(help: "How long a node may take to start the probe (Go duration)") var ttl = "20s"
    @Option(help: "Forks per CPU (SYSTEM_TASK_FORKS_CPU)") var forksPerCpu = 4.0
    @Option(help: "MiB of memory per fork (SYSTEM_TASK_FORKS_MEM)") var memPerFork: Int64 = 100
    @Option(help: "Where capacity lies between the CPU and memory figures (0 to 1)") var capacityAdjustment = 1.0
    @Flag(help: "The control plane runs on Kubernetes (no 2 GiB memory reserve)") var k8s = false
    @Flag(name: .customLong("json"), help: "Print as JSON") var printJSON = false

    struct Result {
        var node: String
        var info: WorkerInfo?
        var capacity: Capacity?
        var errors: [String]
        var seconds: Double
    }

    func run() throws {
        var settings = Capacity.Settings()
        settings.forksPerCPU = forksPerCpu
        settings.memoryPerForkMiB = memPerFork
        settings.adjustment = capacityAdjustment
        if k8s { settings.reservedMemoryBytes = 0 }
        let deadline = Self.seconds(ttl) + 10
        var results: [Result] = []
        for node in nodes {
            let start = Date()
            var result = Result(node: node, info: nil, capacity: nil, errors: [], seconds: 0)
            do {
                let output = try probe(node, deadline: deadline)
                let info = try WorkerInfo.parse(output)
                result.info = info
                result.errors = info.errors
                if info.errors.isEmpty {
                    result.capacity = Capacity(cpus: info.cpuCount, memoryBytes: info.memoryBytes, settings: settings)
                }
            } catch let e as WorkerInfo.ParseError {
                result.errors = [e.description]
            } catch {
                result.errors = ["\(error)"]
            }
            result.seconds = Date().timeIntervalSince(start)
            results.append(result)
        }
        printJSON ? printResultsJSON(results) : printTable(results)
        if results.contains(where: { !$0.errors.isEmpty }) { throw ExitCode(1) }
    }

    /// Submits the probe, reads its output, checks the unit's end state, releases it.
    private func probe(_ node: String, deadline: Double) throws -> String {
        let c = try globalOptions.connect()
        let local = node.lowercased() == "localhost" || node == c.nodeID
        var fields: [String: JSONValue] = [
            "command": .string("work"), "subcommand": .string("submit"), "node": .string(node),
            "worktype": .string(workType), "params": .string("--worker-info"),
        ]
        if !local { fields["ttl"] = .string(ttl) }
        try c.send(JSONValue.object(fields).text)
        let created = try c.readLine()
        guard created.hasPrefix("Work unit created with ID ") else {
            throw ClientError(created.hasPrefix("ERROR: ") ? String(created.dropFirst(7)) : "unexpected reply: \(created)")
        }
        c.shutdownWrite()
        let final = try c.readLine()
        // A parse attempt: a reply that is not a started unit is reported just below.
        guard case .object(let started)? = try? JSONParser.parse(final), let unit = started["unitid"]?.stringValue else {
            throw ClientError(final.hasPrefix("ERROR: ") ? String(final.dropFirst(7)) : "unexpected reply: \(final)")
        }
        defer {
            // The probe's answer stands either way, but a unit left behind on the node is worth a line on stderr.
            do {
                _ = try globalOptions.connect().simpleCommand("work release \(unit)")
            } catch {
                FileHandle.standardError.write(Data("warning: could not release probe unit \(unit) on \(node): \(error)\n".utf8))
            }
        }
        let r = try globalOptions.connect()
        var timeout = timeval(tv_sec: Int(deadline), tv_usec: 0)
        setsockopt(r.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        try r.send("work results \(unit) 0")
        let header = try r.readLine()
        guard header.hasPrefix("Streaming results") else { throw ClientError(header) }
        r.shutdownWrite()
        var output: [UInt8] = []
        do {
            while let chunk = try r.readChunk() { output += chunk }
        } catch {
            throw ClientError("no answer from \(node) within \(Int(deadline)) s")
        }
        let status = try globalOptions.connect().simpleCommand("work status \(unit)")
        if case .object(let s) = status, s["StateName"]?.stringValue == "Failed" {
            let detail = s["Detail"]?.stringValue ?? ""
            let text = String(decoding: output, as: UTF8.self)
            throw ClientError("probe failed on \(node): \(detail)\(text.isEmpty ? "" : "; output: " + String(text.prefix(300)))")
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func seconds(_ goDuration: String) -> Double {
        var total = 0.0
        var number = ""
        var unit = ""
        func flush() {
            guard let v = Double(number) else { return }
            switch unit {
            case "h": total += v * 3600
            case "m": total += v * 60
            case "s": total += v
            case "ms": total += v / 1000
            default: break
            }
            number = ""
            unit = ""
        }
        for ch in goDuration {
            if ch.isNumber || ch == "." {
                if !unit.isEmpty { flush() }
                number.append(ch)
            } else {
                unit.append(ch)
            }
        }
        flush()
        return total
    }

    private func printTable(_ results: [Result]) {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        let width = max(12, results.map(\.node.count).max() ?? 0)
        print("\(pad("Node", width)) CPUs  Memory (MiB)  Runner    CPU cap  Mem cap  Capacity  Probe     Errors")
        for r in results {
            let cpus = r.info.map { JSONValue.formatNumber($0.cpuCount) } ?? "-"
            let mem = r.info.map { String($0.memoryBytes >> 20) } ?? "-"
            let runner = r.info?.runnerVersion ?? "-"
            let cap = r.capacity
            print(
                "\(pad(r.node, width)) \(pad(cpus, 5)) \(pad(mem, 13)) \(pad(runner.isEmpty ? "-" : runner, 9)) \(pad(cap.map { String($0.cpuCapacity) } ?? "-", 8)) \(pad(cap.map { String($0.memCapacity) } ?? "-", 8)) \(pad(cap.map { String($0.capacity) } ?? "-", 9)) \(pad(String(format: "%.2fs", r.seconds), 9)) \(r.errors.isEmpty ? "-" : r.errors.joined(separator: "; "))"
            )
        }
    }

    private func printResultsJSON(_ results: [Result]) {
        let list: [JSONValue] = results.map { r in
            var o: [String: JSONValue] = ["node": .string(r.node), "errors": .array(r.errors.map { .string($0) }), "probe_seconds": .double(r.seconds)]
            if let i = r.info {
                o["cpu_count"] = .double(i.cpuCount)
                o["mem_in_bytes"] = .int(i.memoryBytes)
                o["runner_version"] = .string(i.runnerVersion)
            }
            if let c = r.capacity {
                o["cpu_capacity"] = .int(Int64(c.cpuCapacity))
                o["mem_capacity"] = .int(Int64(c.memCapacity))
                o["capacity"] = .int(Int64(c.capacity))
            }
            return .object(o)
        }
        print(PythonStyleJSON.pretty(.array(list)))
    }
}
