import Foundation
import MeshProtocol

/// The text form of `status`, laid out as the Python receptorctl prints it.
enum StatusText {
    static func render(_ value: JSONValue) -> String {
        guard case .object(var s) = value else { return "" }
        var out = ""
        func line(_ t: String = "") { out += t + "\n" }
        func pad(_ t: String, _ n: Int) -> String { t.count >= n ? t : t + String(repeating: " ", count: n - t.count) }
        func num(_ v: JSONValue?) -> String {
            switch v {
            case .int(let i): return String(i)
            case .double(let d): return PythonStyleJSON.python(d)
            case .string(let x): return x
            default: return ""
            }
        }
        line("Node ID: \(s.removeValue(forKey: "NodeID")?.stringValue ?? "")")
        line("Version: \(s.removeValue(forKey: "Version")?.stringValue ?? "")")
        line("System CPU Count: \(num(s.removeValue(forKey: "SystemCPUCount")))")
        line("System Memory MiB: \(num(s.removeValue(forKey: "SystemMemoryMiB")))")
        var width = 12
        var connections: [JSONValue] = []
        if case .array(let c) = s.removeValue(forKey: "Connections") { connections = c }
        var costs: [String: JSONValue] = [:]
        if case .object(let c) = s.removeValue(forKey: "KnownConnectionCosts") { costs = c }
        for case .object(let c) in connections { width = max(width, c["NodeID"]?.stringValue?.count ?? 0) }
        for node in costs.keys { width = max(width, node.count) }
        if !connections.isEmpty {
            line()
            line("\(pad("Connection", width)) Cost")
            for case .object(let c) in connections {
                line("\(pad(c["NodeID"]?.stringValue ?? "", width)) \(num(c["Cost"]))")
            }
        }
        if !costs.isEmpty {
            line()
            line("\(pad("Known Node", width)) Known Connections")
            for (node, value) in costs.sorted(by: { $0.key < $1.key }) {
                var l = "\(pad(node, width)) "
                if case .object(let peers) = value {
                    for peer in peers.keys.sorted() { l += "\(peer): \(num(peers[peer])) " }
                }
                line(l)
            }
        }
        if case .object(let routes) = s.removeValue(forKey: "RoutingTable"), !routes.isEmpty {
            line()
            line("\(pad("Route", width)) Via")
            for node in routes.keys.sorted() { line("\(pad(node, width)) \(routes[node]?.stringValue ?? "")") }
        }
        var ads: [[String: JSONValue]] = []
        if case .array(let a) = s.removeValue(forKey: "Advertisements") {
            for case .object(let o) in a { ads.append(o) }
        }
        if !ads.isEmpty {
            line()
            line("\(pad("Node", width)) Service   Type       Last Seen             Tags")
            for ad in ads {
                let type: String
                switch ad["ConnType"] {
                case .int(0): type = "Datagram"
                case .int(2): type = "StreamTLS"
                default: type = "Stream"
                }
                let seen = lastSeen(ad["Time"]?.stringValue ?? "")
                let tags = ad["Tags"].map { $0 == .null ? "-" : PythonStyleJSON.pythonRepr($0) } ?? "-"
                line(
                    "\(pad(ad["NodeID"]?.stringValue ?? "", width)) \(pad(ad["Service"]?.stringValue ?? "", 9)) \(pad(type, 10)) \(pad(seen, 21)) \(pad(tags, 16))"
                )
            }
            for (header, secure) in [("Work Types", false), ("Secure Work Types", true)] {
                var printed = false
                var seen: Set<String> = []
                for ad in ads {
                    guard case .array(let cmds) = ad["WorkCommands"] ?? .null else { continue }
                    let types = cmds.compactMap { c -> String? in
                        guard case .object(let o) = c, case .bool(let s) = o["Secure"] ?? .null, s == secure else { return nil }
                        return o["WorkType"]?.stringValue
                    }
                    let node = ad["NodeID"]?.stringValue ?? ""
                    if types.isEmpty || seen.contains(node) { continue }
                    seen.insert(node)
                    if !printed {
                        line()
                        line("\(pad("Node", width)) \(header)")
                        printed = true
                    }
                    line("\(pad(node, width)) \(types.joined(separator: ", "))")
                }
            }
        }
        if !s.isEmpty {
            line("Additional data returned from Receptor:")
            line(PythonStyleJSON.pretty(.object(s)))
        }
        return out
    }

    /// `YYYY-MM-DD HH:MM:SS` from an RFC 3339 time, in the time's own offset (as dateutil keeps it).
    static func lastSeen(_ rfc3339: String) -> String {
        let chars = Array(rfc3339)
        guard chars.count >= 19 else { return rfc3339 }
        return String(chars[0..<10]) + " " + String(chars[11..<19])
    }
}
