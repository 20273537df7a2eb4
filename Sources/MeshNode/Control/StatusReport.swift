import MeshProtocol

/// Builds the `status` reply: receptor's eight keys, exactly.
enum StatusReport {
    static func make(core: MeshCore, fields: Set<String>?) -> [String: JSONValue] {
        func wanted(_ key: String) -> Bool { fields?.contains(key) ?? true }
        var out: [String: JSONValue] = [:]
        if wanted("NodeID") { out["NodeID"] = .string(core.localNode) }
        if wanted("Version") { out["Version"] = .string(core.settings.version) }
        if wanted("SystemCPUCount") { out["SystemCPUCount"] = .int(Int64(SystemInfo.cpuCount)) }
        if wanted("SystemMemoryMiB") { out["SystemMemoryMiB"] = .int(Int64(SystemInfo.memoryMiB)) }
        if wanted("Connections") {
            out["Connections"] = .array(
                core.connections.map { .object(["NodeID": .string($0.node), "Cost": .double($0.cost)]) }
            )
        }
        if wanted("RoutingTable") {
            out["RoutingTable"] = .object(core.routingTable.mapValues { .string($0) })
        }
        if wanted("KnownConnectionCosts") {
            // An isolated node reports `{}`, not an entry for itself with no links (as receptor does).
            var costs = core.knownConnectionCosts
            if costs[core.localNode]?.isEmpty ?? false { costs[core.localNode] = nil }
            out["KnownConnectionCosts"] = .object(costs.mapValues { .object($0.mapValues { .double($0) }) })
        }
        if wanted("Advertisements") {
            out["Advertisements"] = .array(advertisements(core))
        }
        return out
    }

    private static func advertisements(_ core: MeshCore) -> [JSONValue] {
        var list: [JSONValue] = []
        let nowText = RFC3339Time.format(core.wallClock.now())
        for ad in core.advertisements.sorted(by: { $0.origin < $1.origin }) {
            let isLocal = ad.origin == core.localNode
            let time = isLocal ? nowText : RFC3339Time.format(millisecondsSince1970: ad.originTimeMillis)
            for service in ad.services.sorted(by: { $0.name < $1.name }) {
                let tags: JSONValue = service.tags.isEmpty ? .null : .object(service.tags.mapValues { .string($0) })
                // As receptor: the local node's work types appear on every one of its ads.
                let commands = isLocal && !core.localWorkCommands.isEmpty ? core.localWorkCommands : service.workCommands
                let work: JSONValue =
                    commands.isEmpty
                    ? .null
                    : .array(
                        commands.map {
                            .object(["WorkType": .string($0.workType), "Secure": .bool($0.secure)])
                        }
                    )
                list.append(
                    .object([
                        "NodeID": .string(ad.origin),
                        "Service": .string(service.name),
                        "Time": .string(time),
                        "ConnType": .int(Int64(service.connType.rawValue)),
                        "Tags": tags,
                        "WorkCommands": work,
                    ])
                )
            }
        }
        return list
    }
}
