import Foundation

/// Turns validated items into a ``ReceptorConfig``: per-item checks in item
/// order, then the checks that span entries.
struct ConfigBuilder {
    let hostName: String
    var config: ReceptorConfig
    private var sawNode = false

    init(hostName: String) {
        self.hostName = hostName
        self.config = ReceptorConfig(node: NodeEntry(id: hostName))
    }

    static func build(items: [ConfigItem], hostName: String) throws(ConfigError) -> ReceptorConfig {
        // Field names, types, required fields and singletons, in item order.
        var validated: [ItemFields] = []
        var singletonsSeen: Set<String> = []
        for item in items {
            let fields = try ItemFields(validating: item)
            if fields.schema.singleton {
                guard singletonsSeen.insert(item.name).inserted else {
                    throw ConfigError(
                        entry: item.name,
                        index: item.index,
                        message: "only one \(item.name) directive is allowed"
                    )
                }
            }
            validated.append(fields)
        }

        // Exclusive entries run alone.
        if let exclusive = validated.first(where: { $0.schema.exclusive }) {
            if validated.count > 1 {
                throw ConfigError(
                    entry: exclusive.name,
                    index: exclusive.index,
                    message: "cannot specify any other options with \(exclusive.name)"
                )
            }
            try checkExclusive(exclusive)
            var config = ReceptorConfig(node: NodeEntry(id: hostName))
            config.exclusive = [exclusive.item]
            config.items = items
            return config
        }

        var builder = ConfigBuilder(hostName: hostName)
        for fields in validated {
            try builder.add(fields)
        }
        if !builder.sawNode {
            builder.config.node = try makeNode(nil, hostName: hostName)
        }
        builder.config.items = items
        try builder.checkReferences(validated)
        try builder.checkServiceNames(validated)
        try builder.checkWorkTypes(validated)
        return builder.config
    }

    private mutating func add(_ fields: ItemFields) throws(ConfigError) {
        switch fields.name {
        case "node":
            sawNode = true
            config.node = try Self.makeNode(fields, hostName: hostName)
        case "log-level":
            let level = fields.string("level") ?? "error"
            guard let setting = LogLevelSetting(name: level) else {
                throw fields.error("level", "invalid log level \(level) (use error, warning, info or debug)")
            }
            config.logLevel = setting
            let format = (fields.string("format") ?? "text").lowercased()
            guard format == "text" || format == "json" else {
                throw fields.error("format", "invalid log format \(format) (use text or json)")
            }
            config.logJSON = format == "json"
        case "trace":
            config.trace = true
        case "metrics":
            let port = try fields.int("port") ?? 0
            guard (0...65535).contains(port) else { throw fields.error("port", "port \(port) is out of range") }
            config.metrics = MetricsEntry(index: fields.index, port: port, bindAddr: fields.string("bindaddr") ?? "127.0.0.1")
        case "local-only":
            config.localOnly = true
        case "tcp-listener":
            config.tcpListeners.append(
                TCPListenerEntry(
                    index: fields.index,
                    port: try fields.port(),
                    bindAddr: fields.string("bindaddr") ?? "0.0.0.0",
                    tls: fields.nonEmptyString("tls"),
                    cost: try fields.cost(),
                    nodeCost: try fields.nodeCost(),
                    allowedPeers: fields.stringList("allowedpeers")
                )
            )
        case "tcp-peer":
            config.tcpPeers.append(
                TCPPeerEntry(
                    index: fields.index,
                    address: fields.string("address") ?? "",
                    redial: fields.bool("redial") ?? true,
                    tls: fields.nonEmptyString("tls"),
                    cost: try fields.cost(),
                    allowedPeers: fields.stringList("allowedpeers")
                )
            )
        case "udp-listener":
            config.udpListeners.append(
                UDPListenerEntry(
                    index: fields.index,
                    port: try fields.port(),
                    bindAddr: fields.string("bindaddr") ?? "0.0.0.0",
                    cost: try fields.cost(),
                    nodeCost: try fields.nodeCost(),
                    allowedPeers: fields.stringList("allowedpeers")
                )
            )
        case "udp-peer":
            config.udpPeers.append(
                UDPPeerEntry(
                    index: fields.index,
                    address: fields.string("address") ?? "",
                    redial: fields.bool("redial") ?? true,
                    cost: try fields.cost(),
                    allowedPeers: fields.stringList("allowedpeers")
                )
            )
        case "ws-listener":
            config.wsListeners.append(
                WSListenerEntry(
                    index: fields.index,
                    port: try fields.port(),
                    bindAddr: fields.string("bindaddr") ?? "0.0.0.0",
                    tls: fields.nonEmptyString("tls"),
                    cost: try fields.cost(),
                    nodeCost: try fields.nodeCost(),
                    allowedPeers: fields.stringList("allowedpeers"),
                    path: fields.nonEmptyString("path") ?? "/"
                )
            )
        case "ws-peer":
            config.wsPeers.append(try Self.makeWSPeer(fields))
        case "tls-server":
            let entry = try Self.makeTLSServer(fields)
            if let existing = config.tlsServer(named: entry.name) {
                throw fields.error(
                    "name",
                    "a tls-server named \(entry.name) is already defined (item \(existing.index))"
                )
            }
            config.tlsServers.append(entry)
        case "tls-client":
            let entry = try Self.makeTLSClient(fields)
            if let existing = config.tlsClient(named: entry.name) {
                throw fields.error(
                    "name",
                    "a tls-client named \(entry.name) is already defined (item \(existing.index))"
                )
            }
            config.tlsClients.append(entry)
        case "control-service":
            config.controlServices.append(try Self.makeControlService(fields))
        case "tcp-server":
            config.tcpServers.append(
                TCPServerEntry(
                    index: fields.index,
                    port: try fields.port(),
                    bindAddr: fields.string("bindaddr") ?? "0.0.0.0",
                    remoteNode: fields.string("remotenode") ?? "",
                    remoteService: fields.string("remoteservice") ?? "",
                    tlsServer: fields.nonEmptyString("tlsserver"),
                    tlsClient: fields.nonEmptyString("tlsclient")
                )
            )
        case "tcp-client":
            config.tcpClients.append(
                TCPClientEntry(
                    index: fields.index,
                    service: fields.string("service") ?? "",
                    address: fields.string("address") ?? "",
                    tlsServer: fields.nonEmptyString("tlsserver"),
                    tlsClient: fields.nonEmptyString("tlsclient")
                )
            )
        case "udp-server":
            config.udpServers.append(try Self.makeUDPServer(fields))
        case "udp-client":
            config.udpClients.append(try Self.makeUDPClient(fields))
        case "unix-socket-server":
            config.unixSocketServers.append(
                UnixSocketServerEntry(
                    index: fields.index,
                    filename: fields.string("filename") ?? "",
                    permissions: try fields.int("permissions") ?? 0o600,
                    remoteNode: fields.string("remotenode") ?? "",
                    remoteService: fields.string("remoteservice") ?? "",
                    tls: fields.nonEmptyString("tls")
                )
            )
        case "unix-socket-client":
            config.unixSocketClients.append(
                UnixSocketClientEntry(
                    index: fields.index,
                    service: fields.string("service") ?? "",
                    filename: fields.string("filename") ?? "",
                    tls: fields.nonEmptyString("tls")
                )
            )
        case "command-service":
            let command = fields.string("command") ?? ""
            let arguments: [String]
            do {
                arguments = try ShellWords.split(command)
            } catch {
                throw fields.error("command", "\(error)")
            }
            guard !arguments.isEmpty else { throw fields.error("command", "must name a program") }
            config.commandServices.append(
                CommandServiceEntry(
                    index: fields.index,
                    service: fields.string("service") ?? "",
                    command: command,
                    arguments: arguments,
                    tls: fields.nonEmptyString("tls")
                )
            )
        case "work-command":
            config.workCommands.append(
                WorkCommandEntry(
                    index: fields.index,
                    workType: fields.string("worktype") ?? "",
                    command: fields.string("command") ?? "",
                    params: fields.string("params"),
                    allowRuntimeParams: fields.bool("allowruntimeparams") ?? false,
                    verifySignature: fields.bool("verifysignature") ?? false
                )
            )
        case "work-signing":
            let expiration = try fields.duration("tokenexpiration") ?? WorkSigningEntry.defaultTokenExpiration
            guard expiration > .zero else {
                throw fields.error("tokenexpiration", "must be greater than 0")
            }
            config.workSigning = WorkSigningEntry(
                index: fields.index,
                privateKey: fields.string("privatekey") ?? "",
                tokenExpiration: expiration
            )
        case "work-verification":
            config.workVerification = WorkVerificationEntry(
                index: fields.index,
                publicKey: fields.string("publickey") ?? ""
            )
        default:
            guard case .unsupported(let reason) = fields.schema.support else {
                preconditionFailure("entry \(fields.name) is marked supported but has no builder")
            }
            if fields.name == "work-kubernetes" {
                try Self.checkKubernetes(fields)
            }
            config.unsupported.append(UnsupportedEntry(name: fields.name, index: fields.index, reason: reason))
        }
    }

    /// The system host name, as Go's `os.Hostname()` returns it.
    static func systemHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
