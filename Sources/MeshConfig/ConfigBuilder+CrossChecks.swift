extension ConfigBuilder {
    private enum TLSKind: String {
        case server = "tls-server"
        case client = "tls-client"
    }

    /// Every TLS name a listener, peer or service refers to must be defined.
    func checkReferences(_ validated: [ItemFields]) throws(ConfigError) {
        var references: [(entry: String, index: Int, field: String, name: String?, kind: TLSKind)] = []
        for e in config.tcpListeners { references.append(("tcp-listener", e.index, "tls", e.tls, .server)) }
        for e in config.wsListeners { references.append(("ws-listener", e.index, "tls", e.tls, .server)) }
        for e in config.tcpPeers { references.append(("tcp-peer", e.index, "tls", e.tls, .client)) }
        for e in config.wsPeers { references.append(("ws-peer", e.index, "tls", e.tls, .client)) }
        for e in config.controlServices {
            references.append(("control-service", e.index, "tls", e.tls, .server))
            references.append(("control-service", e.index, "tcptls", e.tcpTLS, .server))
        }
        for e in config.tcpServers {
            references.append(("tcp-server", e.index, "tlsserver", e.tlsServer, .server))
            references.append(("tcp-server", e.index, "tlsclient", e.tlsClient, .client))
        }
        for e in config.tcpClients {
            references.append(("tcp-client", e.index, "tlsserver", e.tlsServer, .server))
            references.append(("tcp-client", e.index, "tlsclient", e.tlsClient, .client))
        }
        for fields in validated {
            switch fields.name {
            case "unix-socket-server":
                references.append((fields.name, fields.index, "tls", fields.string("tls"), .client))
            case "unix-socket-client", "command-service":
                references.append((fields.name, fields.index, "tls", fields.string("tls"), .server))
            default:
                break
            }
        }
        references.sort { $0.index < $1.index }
        for reference in references {
            guard let name = reference.name, !name.isEmpty else { continue }
            let defined: Bool
            switch reference.kind {
            case .server: defined = config.tlsServer(named: name) != nil
            case .client: defined = config.tlsClient(named: name) != nil
            }
            if !defined {
                throw ConfigError(
                    entry: reference.entry,
                    index: reference.index,
                    field: reference.field,
                    message: "unknown TLS config \(name): no \(reference.kind.rawValue) has this name"
                )
            }
        }
    }

    /// Mesh service names are at most 8 bytes and unique within the node.
    func checkServiceNames(_ validated: [ItemFields]) throws(ConfigError) {
        var owners: [String: ItemFields] = [:]
        for fields in validated {
            let service: String?
            switch fields.name {
            case "control-service":
                service = fields.string("service") ?? "control"
            case "tcp-client", "udp-client", "unix-socket-client", "command-service":
                service = fields.string("service")
            default:
                service = nil
            }
            guard let service, !service.isEmpty else { continue }
            guard service.utf8.count <= 8 else {
                throw fields.error("service", "service name \(service) is longer than 8 bytes")
            }
            if let owner = owners[service] {
                throw fields.error(
                    "service",
                    "service name \(service) is already used by \(owner.name) (item \(owner.index))"
                )
            }
            owners[service] = fields
        }
    }

    /// Work types are unique, `remote` is reserved, and signature checks need a verification key.
    func checkWorkTypes(_ validated: [ItemFields]) throws(ConfigError) {
        var seen: Set<String> = []
        for fields in validated {
            guard ["work-command", "work-kubernetes", "work-python"].contains(fields.name) else { continue }
            let workType = fields.string("worktype") ?? ""
            if workType.isEmpty {
                throw fields.error("worktype", "work type name must not be empty")
            }
            if workType == "remote" {
                throw fields.error("worktype", "work type name \"remote\" is reserved")
            }
            guard seen.insert(workType).inserted else {
                throw fields.error("worktype", "work type \(workType) already registered")
            }
            if fields.bool("verifysignature") == true && config.workVerification == nil {
                throw fields.error("verifysignature", "verifysignature is set but there is no work-verification entry")
            }
        }
    }
}
