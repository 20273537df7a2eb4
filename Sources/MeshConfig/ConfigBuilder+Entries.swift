import Foundation

extension ConfigBuilder {
    static func makeNode(_ fields: ItemFields?, hostName: String) throws(ConfigError) -> NodeEntry {
        func error(_ field: String?, _ message: String) -> ConfigError {
            fields?.error(field, message) ?? ConfigError(entry: "node", field: field, message: message)
        }

        var id = fields?.nonEmptyString("id") ?? ""
        if id.isEmpty {
            let lowered = hostName.lowercased()
            if lowered == "localhost" || lowered.hasPrefix("localhost.") {
                throw error("id", "no node ID specified and local host name is localhost")
            }
            guard !hostName.isEmpty else {
                throw error("id", "no node ID specified and the local host name is empty")
            }
            id = hostName
        }
        if id.lowercased() == "localhost" {
            throw error("id", "node ID \"localhost\" is reserved")
        }
        guard NodeEntry.isValidID(id) else {
            throw error(
                "id",
                "node ID \(ConfigValue.quoted(id)) is invalid: receptord allows at most "
                    + "\(NodeEntry.maximumIDLength) bytes of letters, digits and . - _ @ :"
            )
        }

        var node = NodeEntry(index: fields?.index, id: id)
        guard let fields else { return node }

        node.dataDir = fields.nonEmptyString("datadir") ?? NodeEntry.defaultDataDir
        if let text = fields.nonEmptyString("maxidleconnectiontimeout") {
            // Receptor's own message replaces the parser's here (config-format.md).
            guard let timeout = try? GoDuration.parse(text) else {
                throw fields.error(
                    "maxidleconnectiontimeout",
                    "failed to parse MaxIdleConnectionTimeout from configuration file -- "
                        + "valid examples include '1.5h', '30m', '30m10s'"
                )
            }
            guard timeout >= NodeEntry.minimumMaxIdleConnectionTimeout else {
                let minimum = GoDuration.nanoseconds(of: NodeEntry.minimumMaxIdleConnectionTimeout)
                throw fields.error(
                    "maxidleconnectiontimeout",
                    "user defined maxIdleConnectionTimeout [\(GoDuration.nanoseconds(of: timeout))] "
                        + "is less than the default default timeout [\(minimum)]"
                )
            }
            node.maxIdleConnectionTimeout = timeout
        }
        node.firewallRules = try firewallRules(fields)
        node.heartbeatInterval = try fields.duration("heartbeatinterval") ?? NodeEntry.defaultHeartbeatInterval
        guard node.heartbeatInterval > .zero else {
            throw fields.error("heartbeatinterval", "must be greater than 0")
        }
        node.deadPeerTimeout = try fields.duration("deadpeertimeout") ?? NodeEntry.defaultDeadPeerTimeout
        guard node.deadPeerTimeout > node.heartbeatInterval else {
            throw fields.error(
                "deadpeertimeout",
                "must be greater than heartbeatinterval (\(GoDuration.format(node.heartbeatInterval)))"
            )
        }
        node.routeLifetime = try fields.duration("routelifetime") ?? NodeEntry.defaultRouteLifetime
        guard node.routeLifetime > .zero else {
            throw fields.error("routelifetime", "must be greater than 0")
        }
        return node
    }

    private static let firewallKeys: Set<String> = ["action", "fromnode", "tonode", "fromservice", "toservice"]

    /// Firewall rules with lower-cased keys; every value must be a string, the
    /// action must be accept, reject or drop, and `/regex/` values must compile.
    static func firewallRules(_ fields: ItemFields) throws(ConfigError) -> [[String: String]] {
        var rules: [[String: String]] = []
        for (offset, raw) in (fields.mapList("firewallrules") ?? []).enumerated() {
            let number = offset + 1
            func failure(_ message: String) -> ConfigError {
                fields.error("firewallrules", "invalid firewall rule \(number): \(message)")
            }
            var rule: [String: String] = [:]
            for key in raw.keys.sorted() {
                let lowered = key.lowercased()
                guard firewallKeys.contains(lowered) else {
                    throw failure("unknown key \(key)")
                }
                guard case .string(let value)? = raw[key] else {
                    throw failure("\(key) must be a string")
                }
                guard rule[lowered] == nil else {
                    throw failure("\(lowered) is given more than once")
                }
                rule[lowered] = value
            }
            guard let action = rule["action"] else {
                throw failure("action is required (accept, reject or drop)")
            }
            guard ["accept", "reject", "drop"].contains(action.lowercased()) else {
                throw failure("unknown action: \(action)")
            }
            for key in ["fromnode", "tonode", "fromservice", "toservice"] {
                guard let value = rule[key], value.hasPrefix("/") else { continue }
                guard value.count >= 2, value.hasSuffix("/") else {
                    throw failure("\(key) regex not enclosed in //")
                }
                let pattern = "^(?:" + value.dropFirst().dropLast() + ")$"
                do {
                    _ = try NSRegularExpression(pattern: pattern)
                } catch {
                    throw failure("\(key) regex failed to compile: \(value)")
                }
            }
            rules.append(rule)
        }
        return rules
    }

    static func makeWSPeer(_ fields: ItemFields) throws(ConfigError) -> WSPeerEntry {
        let address = fields.string("address") ?? ""
        let lowered = address.lowercased()
        guard lowered.hasPrefix("ws://") || lowered.hasPrefix("wss://") else {
            throw fields.error("address", "must be a ws:// or wss:// URL, got \(address)")
        }
        let extraHeader = fields.nonEmptyString("extraheader")
        if let extraHeader, !extraHeader.contains(":") {
            throw fields.error("extraheader", "extra header must be in the form key:value")
        }
        return WSPeerEntry(
            index: fields.index,
            address: address,
            redial: fields.bool("redial") ?? true,
            tls: fields.nonEmptyString("tls"),
            cost: try fields.cost(),
            allowedPeers: fields.stringList("allowedpeers"),
            extraHeader: extraHeader
        )
    }

    static func makeTLSServer(_ fields: ItemFields) throws(ConfigError) -> TLSServerEntry {
        let cert = fields.string("cert") ?? ""
        let key = fields.string("key") ?? ""
        guard !cert.isEmpty, !key.isEmpty else {
            throw fields.error(cert.isEmpty ? "cert" : "key", "a tls-server needs both cert and key")
        }
        let pins = fields.stringList("pinnedclientcert") ?? []
        try checkPins(pins, field: "pinnedclientcert", fields)
        return TLSServerEntry(
            index: fields.index,
            name: fields.string("name") ?? "",
            cert: cert,
            key: key,
            requireClientCert: fields.bool("requireclientcert") ?? false,
            clientCAs: fields.nonEmptyString("clientcas"),
            pinnedClientCert: pins,
            skipReceptorNamesCheck: fields.bool("skipreceptornamescheck") ?? false,
            minTLS13: fields.bool("mintls13") ?? false
        )
    }

    static func makeTLSClient(_ fields: ItemFields) throws(ConfigError) -> TLSClientEntry {
        let cert = fields.string("cert") ?? ""
        let key = fields.string("key") ?? ""
        if cert.isEmpty != key.isEmpty {
            throw fields.error(cert.isEmpty ? "cert" : "key", "cert and key must both be supplied or neither")
        }
        let pins = fields.stringList("pinnedservercert") ?? []
        try checkPins(pins, field: "pinnedservercert", fields)
        return TLSClientEntry(
            index: fields.index,
            name: fields.string("name") ?? "",
            cert: cert,
            key: key,
            rootCAs: fields.nonEmptyString("rootcas"),
            insecureSkipVerify: fields.bool("insecureskipverify") ?? false,
            pinnedServerCert: pins,
            skipReceptorNamesCheck: fields.bool("skipreceptornamescheck") ?? false,
            minTLS13: fields.bool("mintls13") ?? false
        )
    }

    /// Pins are hex (colons optional) SHA-256 or SHA-512 digests: 32 or 64 bytes.
    private static func checkPins(_ pins: [String], field: String, _ fields: ItemFields) throws(ConfigError) {
        for pin in pins {
            let hex = pin.filter { $0 != ":" }
            let isHex = hex.allSatisfy { $0.isHexDigit && $0.isASCII }
            guard isHex, hex.count == 64 || hex.count == 128 else {
                throw fields.error(
                    field,
                    "pinned fingerprint \(pin) must be the hex SHA-256 or SHA-512 digest of a certificate"
                )
            }
        }
    }

    static func makeControlService(_ fields: ItemFields) throws(ConfigError) -> ControlServiceEntry {
        let entry = ControlServiceEntry(
            index: fields.index,
            service: fields.string("service") ?? "control",
            filename: fields.nonEmptyString("filename"),
            permissions: try fields.int("permissions") ?? 0o600,
            tls: fields.nonEmptyString("tls"),
            tcpListen: fields.nonEmptyString("tcplisten"),
            tcpTLS: fields.nonEmptyString("tcptls")
        )
        if entry.service.isEmpty && entry.filename == nil && entry.tcpListen == nil {
            throw fields.error(nil, "no listeners specified")
        }
        guard (0...0o7777).contains(entry.permissions) else {
            throw fields.error(
                "permissions",
                "mode \(entry.permissions) is out of range (0 to 0o7777; write 0660 or '0660' for octal)"
            )
        }
        if entry.tcpListen != nil && entry.tcpListenAddress == nil {
            throw fields.error("tcplisten", "must be PORT or HOST:PORT, got \(entry.tcpListen ?? "")")
        }
        return entry
    }

    /// The startup checks Go receptor applies to `work-kubernetes`.
    static func checkKubernetes(_ fields: ItemFields) throws(ConfigError) {
        let method = (fields.nonEmptyString("authmethod") ?? "incluster").lowercased()
        guard ["kubeconfig", "incluster", "runtime"].contains(method) else {
            throw fields.error("authmethod", "authmethod must be kubeconfig, incluster or runtime")
        }
        let allowRuntimeAuth = fields.bool("allowruntimeauth") ?? false
        if method != "kubeconfig" && !allowRuntimeAuth && fields.nonEmptyString("namespace") == nil {
            throw fields.error("namespace", "namespace is required unless authmethod is kubeconfig or allowruntimeauth is set")
        }
        if fields.nonEmptyString("kubeconfig") != nil && method != "kubeconfig" {
            throw fields.error("kubeconfig", "kubeconfig can only be given with authmethod kubeconfig")
        }
        let hasPod = fields.nonEmptyString("pod") != nil
        let hasContainerFields = ["image", "command", "params"].contains { fields.nonEmptyString($0) != nil }
        if hasPod && hasContainerFields {
            throw fields.error("pod", "pod cannot be combined with image, command or params")
        }
        let runtimePod = fields.bool("allowruntimepod") ?? false
        let runtimeCommand = fields.bool("allowruntimecommand") ?? false
        if !hasPod && !runtimePod && !runtimeCommand && fields.nonEmptyString("image") == nil {
            throw fields.error("image", "image is required unless pod, allowruntimepod or allowruntimecommand is given")
        }
        let stream = (fields.nonEmptyString("streammethod") ?? "logger").lowercased()
        guard stream == "logger" || stream == "tcp" else {
            throw fields.error("streammethod", "streammethod must be logger or tcp")
        }
    }

    /// The field rules of the exclusive certificate entries.
    static func checkExclusive(_ fields: ItemFields) throws(ConfigError) {
        guard fields.name == "cert-makereq" else { return }
        let inKey = fields.nonEmptyString("inkey")
        let outKey = fields.nonEmptyString("outkey")
        switch (inKey, outKey) {
        case (nil, nil), (.some, .some):
            throw fields.error("inkey", "exactly one of inkey or outkey must be given")
        case (.some, nil):
            if fields.has("bits") {
                throw fields.error("bits", "bits cannot be given with inkey")
            }
        case (nil, .some):
            if !fields.has("bits") {
                throw fields.error("bits", "bits is required with outkey")
            }
        }
    }
}
