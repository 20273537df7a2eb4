import MeshConfig
import Testing

/// Every class of config error names the entry, the item number and the field.
@Suite struct ConfigErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var yaml: String
        var error: ConfigError
        var description: String
        var testDescription: String { description }
    }

    private static func c(_ yaml: String, _ error: ConfigError, _ description: String) -> Case {
        Case(yaml: yaml, error: error, description: description)
    }

    static let cases: [Case] = [
        c(
            "- node: n1\n- bogus: {}",
            ConfigError(index: 2, message: "could not get config type for command bogus: unknown config type bogus"),
            "item 2: could not get config type for command bogus: unknown config type bogus"
        ),
        c(
            "- node: n1\n- UDP-listener: 2222",
            ConfigError(
                index: 2,
                message: "could not get config type for command UDP-listener: unknown config type UDP-listener"
            ),
            "item 2: could not get config type for command UDP-listener: unknown config type UDP-listener"
        ),
        c(
            "- node: n1\n- tcp-peer: {address: 'h:1', Bogus: 1}",
            ConfigError(entry: "tcp-peer", index: 2, field: "bogus", message: "field bogus not defined for command tcp-peer"),
            "tcp-peer (item 2): field bogus not defined for command tcp-peer"
        ),
        c(
            "- node: n1\n- tcp-listener: {cost: 2}",
            ConfigError(entry: "tcp-listener", index: 2, field: "port", message: "required parameter missing: port"),
            "tcp-listener (item 2): required parameter missing: port"
        ),
        c(
            "- node: n1\n- tls-server: {name: s}",
            ConfigError(entry: "tls-server", index: 2, field: "cert", message: "required parameters missing: cert, key"),
            "tls-server (item 2): required parameters missing: cert, key"
        ),
        c(
            "- node: n1\n- local-only\n- node: n2",
            ConfigError(entry: "node", index: 3, message: "only one node directive is allowed"),
            "node (item 3): only one node directive is allowed"
        ),
        c(
            "- work-verification: /a\n- work-verification: /b",
            ConfigError(entry: "work-verification", index: 2, message: "only one work-verification directive is allowed"),
            "work-verification (item 2): only one work-verification directive is allowed"
        ),
        c(
            "- node: n1\n- tls-server: foo",
            ConfigError(
                entry: "tls-server",
                index: 2,
                message: "could not get barevalue for command tls-server: command does not allow bare values"
            ),
            "tls-server (item 2): could not get barevalue for command tls-server: command does not allow bare values"
        ),
        c(
            "- {node: {id: a}, local-only: ~}",
            ConfigError(index: 1, message: "config format invalid: item has multiple names"),
            "item 1: config format invalid: item has multiple names"
        ),
        c(
            "- node: {id: LocalHost}",
            ConfigError(entry: "node", index: 1, field: "id", message: "node ID \"localhost\" is reserved"),
            "node (item 1): field \"id\": node ID \"localhost\" is reserved"
        ),
        c(
            "- node: {id: 'bad node'}",
            ConfigError(
                entry: "node",
                index: 1,
                field: "id",
                message: "node ID \"bad node\" is invalid: receptord allows at most 64 bytes of letters, digits and . - _ @ :"
            ),
            "node (item 1): field \"id\": node ID \"bad node\" is invalid: receptord allows at most 64 bytes of letters, digits and . - _ @ :"
        ),
        c(
            "- node: n1\n- tls-client: {name: c, cert: /c.pem, key: ''}",
            ConfigError(entry: "tls-client", index: 2, field: "key", message: "cert and key must both be supplied or neither"),
            "tls-client (item 2): cert and key must both be supplied or neither"
        ),
        c(
            "- node: {id: n1, maxidleconnectiontimeout: 5x}",
            ConfigError(
                entry: "node",
                index: 1,
                field: "maxidleconnectiontimeout",
                message: "failed to parse MaxIdleConnectionTimeout from configuration file -- valid examples include '1.5h', '30m', '30m10s'"
            ),
            "node (item 1): field \"maxidleconnectiontimeout\": failed to parse MaxIdleConnectionTimeout from configuration file -- valid examples include '1.5h', '30m', '30m10s'"
        ),
        c(
            "- node: {id: n1, maxidleconnectiontimeout: 20s}",
            ConfigError(
                entry: "node",
                index: 1,
                field: "maxidleconnectiontimeout",
                message: "user defined maxIdleConnectionTimeout [20000000000] is less than the default default timeout [21000000000]"
            ),
            "node (item 1): field \"maxidleconnectiontimeout\": user defined maxIdleConnectionTimeout [20000000000] is less than the default default timeout [21000000000]"
        ),
        c(
            "- node: n1\n- local-only\n- tcp-listener: 1\n- tcp-peer: {address: 'h:1', cost: 0}",
            ConfigError(entry: "tcp-peer", index: 4, field: "cost", message: "must be greater than 0"),
            "tcp-peer (item 4): field \"cost\": must be greater than 0"
        ),
        c(
            "- node: n1\n- tcp-listener: {port: 1, nodecost: {n2: -1}}",
            ConfigError(entry: "tcp-listener", index: 2, field: "nodecost", message: "cost for node n2 must be greater than 0"),
            "tcp-listener (item 2): field \"nodecost\": cost for node n2 must be greater than 0"
        ),
        c(
            "- node: n1\n- tcp-listener: 70000",
            ConfigError(entry: "tcp-listener", index: 2, field: "port", message: "port 70000 is out of range (0-65535)"),
            "tcp-listener (item 2): port 70000 is out of range (0-65535)"
        ),
        c(
            "- node: n1\n- ws-peer: {address: 'ws://h:1/', extraheader: nocolon}",
            ConfigError(entry: "ws-peer", index: 2, field: "extraheader", message: "extra header must be in the form key:value"),
            "ws-peer (item 2): field \"extraheader\": extra header must be in the form key:value"
        ),
        c(
            "- node: n1\n- ws-peer: {address: 'h:1'}",
            ConfigError(entry: "ws-peer", index: 2, field: "address", message: "must be a ws:// or wss:// URL, got h:1"),
            "ws-peer (item 2): field \"address\": must be a ws:// or wss:// URL, got h:1"
        ),
        c(
            "- node: n1\n- tcp-listener: {port: 1, tls: nosuch}",
            ConfigError(
                entry: "tcp-listener",
                index: 2,
                field: "tls",
                message: "unknown TLS config nosuch: no tls-server has this name"
            ),
            "tcp-listener (item 2): field \"tls\": unknown TLS config nosuch: no tls-server has this name"
        ),
        c(
            "- node: n1\n- tls-server: {name: s, cert: /c, key: /k}\n- tcp-peer: {address: 'h:1', tls: s}",
            ConfigError(entry: "tcp-peer", index: 3, field: "tls", message: "unknown TLS config s: no tls-client has this name"),
            "tcp-peer (item 3): field \"tls\": unknown TLS config s: no tls-client has this name"
        ),
        c(
            "- node: n1\n- tcp-server: {port: 1, remotenode: n2, remoteservice: s, tlsclient: c}",
            ConfigError(entry: "tcp-server", index: 2, field: "tlsclient", message: "unknown TLS config c: no tls-client has this name"),
            "tcp-server (item 2): field \"tlsclient\": unknown TLS config c: no tls-client has this name"
        ),
        c(
            "- node: n1\n- control-service: {filename: /s, tcplisten: 1, tcptls: x}",
            ConfigError(entry: "control-service", index: 2, field: "tcptls", message: "unknown TLS config x: no tls-server has this name"),
            "control-service (item 2): field \"tcptls\": unknown TLS config x: no tls-server has this name"
        ),
        c(
            "- node: n1\n- tls-client: {name: c, cert: '', key: ''}\n- tls-client: {name: c, cert: '', key: ''}",
            ConfigError(entry: "tls-client", index: 3, field: "name", message: "a tls-client named c is already defined (item 2)"),
            "tls-client (item 3): field \"name\": a tls-client named c is already defined (item 2)"
        ),
        c(
            "- node: n1\n- work-command: {worktype: echo, command: a}\n- work-command: {worktype: echo, command: b}",
            ConfigError(entry: "work-command", index: 3, field: "worktype", message: "work type echo already registered"),
            "work-command (item 3): field \"worktype\": work type echo already registered"
        ),
        c(
            "- node: n1\n- work-command: {worktype: remote, command: a}",
            ConfigError(entry: "work-command", index: 2, field: "worktype", message: "work type name \"remote\" is reserved"),
            "work-command (item 2): field \"worktype\": work type name \"remote\" is reserved"
        ),
        c(
            "- node: n1\n- work-command: {worktype: w, command: a, verifysignature: true}",
            ConfigError(
                entry: "work-command",
                index: 2,
                field: "verifysignature",
                message: "verifysignature is set but there is no work-verification entry"
            ),
            "work-command (item 2): verifysignature is set but there is no work-verification entry"
        ),
        c(
            "- node: n1\n- control-service: {service: ''}",
            ConfigError(entry: "control-service", index: 2, message: "no listeners specified"),
            "control-service (item 2): no listeners specified"
        ),
        c(
            "- node: n1\n- control-service: {service: controlsvc}",
            ConfigError(entry: "control-service", index: 2, field: "service", message: "service name controlsvc is longer than 8 bytes"),
            "control-service (item 2): service name controlsvc is longer than 8 bytes"
        ),
        c(
            "- node: n1\n- control-service: {filename: /s}\n- tcp-client: {service: control, address: 'h:1'}",
            ConfigError(
                entry: "tcp-client",
                index: 3,
                field: "service",
                message: "service name control is already used by control-service (item 2)"
            ),
            "tcp-client (item 3): service name control is already used by control-service (item 2)"
        ),
        c(
            "- node: n1\n- control-service: {filename: /s, permissions: 99999}",
            ConfigError(
                entry: "control-service",
                index: 2,
                field: "permissions",
                message: "mode 99999 is out of range (0 to 0o7777; write 0660 or '0660' for octal)"
            ),
            "control-service (item 2): field \"permissions\": mode 99999 is out of range (0 to 0o7777; write 0660 or '0660' for octal)"
        ),
        c(
            "- node:\n    id: n1\n    firewallrules:\n      - {action: accept}\n      - {action: explode}",
            ConfigError(entry: "node", index: 1, field: "firewallrules", message: "invalid firewall rule 2: unknown action: explode"),
            "node (item 1): field \"firewallrules\": invalid firewall rule 2: unknown action: explode"
        ),
        c(
            "- node:\n    id: n1\n    firewallrules:\n      - {tonode: n2}",
            ConfigError(
                entry: "node",
                index: 1,
                field: "firewallrules",
                message: "invalid firewall rule 1: action is required (accept, reject or drop)"
            ),
            "node (item 1): field \"firewallrules\": invalid firewall rule 1: action is required (accept, reject or drop)"
        ),
        c(
            "- node:\n    id: n1\n    firewallrules:\n      - {action: drop, FromNode: '/a(b/'}",
            ConfigError(
                entry: "node",
                index: 1,
                field: "firewallrules",
                message: "invalid firewall rule 1: fromnode regex failed to compile: /a(b/"
            ),
            "node (item 1): field \"firewallrules\": invalid firewall rule 1: fromnode regex failed to compile: /a(b/"
        ),
        c(
            "- node:\n    id: n1\n    firewallrules:\n      - {action: drop, toservice: 5}",
            ConfigError(entry: "node", index: 1, field: "firewallrules", message: "invalid firewall rule 1: toservice must be a string"),
            "node (item 1): field \"firewallrules\": invalid firewall rule 1: toservice must be a string"
        ),
        c(
            "- node:\n    id: n1\n    firewallrules:\n      - {action: drop, color: red}",
            ConfigError(entry: "node", index: 1, field: "firewallrules", message: "invalid firewall rule 1: unknown key color"),
            "node (item 1): field \"firewallrules\": invalid firewall rule 1: unknown key color"
        ),
        c(
            "- version\n- node: n1",
            ConfigError(entry: "version", index: 1, message: "cannot specify any other options with version"),
            "version (item 1): cannot specify any other options with version"
        ),
        c(
            "- node: n1\n- cert-init: {commonname: CA, bits: 2048, outcert: /c, outkey: /k}",
            ConfigError(entry: "cert-init", index: 2, message: "cannot specify any other options with cert-init"),
            "cert-init (item 2): cannot specify any other options with cert-init"
        ),
        c(
            "- cert-makereq: {commonname: n1, bits: 2048, inkey: /k, outreq: /r}",
            ConfigError(entry: "cert-makereq", index: 1, field: "bits", message: "bits cannot be given with inkey"),
            "cert-makereq (item 1): bits cannot be given with inkey"
        ),
        c(
            "- log-level: loud",
            ConfigError(entry: "log-level", index: 1, field: "level", message: "invalid log level loud (use error, warning, info or debug)"),
            "log-level (item 1): invalid log level loud (use error, warning, info or debug)"
        ),
        c(
            "- node: {id: n1, heartbeatinterval: 1s, deadpeertimeout: 500ms}",
            ConfigError(entry: "node", index: 1, field: "deadpeertimeout", message: "must be greater than heartbeatinterval (1s)"),
            "node (item 1): field \"deadpeertimeout\": must be greater than heartbeatinterval (1s)"
        ),
        c(
            "- node: n1\n- work-command: {workType: a, worktype: b, command: c}",
            ConfigError(entry: "work-command", index: 2, field: "worktype", message: "field worktype is given more than once"),
            "work-command (item 2): field worktype is given more than once"
        ),
        c(
            "- node: n1\n- tcp-listener: {port: [1, 2]}",
            ConfigError(entry: "tcp-listener", index: 2, field: "port", message: "type error (expected int)"),
            "tcp-listener (item 2): field \"port\": type error (expected int)"
        ),
        c(
            "- node: n1\n- tcp-listener: {port: abc}",
            ConfigError(entry: "tcp-listener", index: 2, field: "port", message: "strconv.ParseInt: parsing \"abc\": invalid syntax"),
            "tcp-listener (item 2): field \"port\": strconv.ParseInt: parsing \"abc\": invalid syntax"
        ),
        c(
            "- node: n1\n- tcp-peer: {address: 'h:1', cost: cheap}",
            ConfigError(entry: "tcp-peer", index: 2, field: "cost", message: "strconv.ParseFloat: parsing \"cheap\": invalid syntax"),
            "tcp-peer (item 2): field \"cost\": strconv.ParseFloat: parsing \"cheap\": invalid syntax"
        ),
        c(
            "- work-signing: {privatekey: /k, tokenexpiration: 1d}",
            ConfigError(entry: "work-signing", index: 1, field: "tokenexpiration", message: "time: unknown unit \"d\" in duration \"1d\""),
            "work-signing (item 1): field \"tokenexpiration\": time: unknown unit \"d\" in duration \"1d\""
        ),
        c(
            "- node: n1\n- work-kubernetes: {worktype: k, authmethod: magic}",
            ConfigError(entry: "work-kubernetes", index: 2, field: "authmethod", message: "authmethod must be kubeconfig, incluster or runtime"),
            "work-kubernetes (item 2): authmethod must be kubeconfig, incluster or runtime"
        ),
        c(
            "- node: n1\n- work-kubernetes: {worktype: k, namespace: ns}",
            ConfigError(
                entry: "work-kubernetes",
                index: 2,
                field: "image",
                message: "image is required unless pod, allowruntimepod or allowruntimecommand is given"
            ),
            "work-kubernetes (item 2): image is required unless pod, allowruntimepod or allowruntimecommand is given"
        ),
        c(
            "- node: n1\n- work-python: {worktype: p, plugin: x}",
            ConfigError(entry: "work-python", index: 2, field: "function", message: "required parameter missing: function"),
            "work-python (item 2): required parameter missing: function"
        ),
        c(
            "- node: n1\n- tls-server: {name: s, cert: /c, key: /k, pinnedclientcert: 'abcd'}",
            ConfigError(
                entry: "tls-server",
                index: 2,
                field: "pinnedclientcert",
                message: "pinned fingerprint abcd must be the hex SHA-256 or SHA-512 digest of a certificate"
            ),
            "tls-server (item 2): field \"pinnedclientcert\": pinned fingerprint abcd must be the hex SHA-256 or SHA-512 digest of a certificate"
        ),
        c(
            "node:\n  id: n1\ntcp-listeners:\n  - port: 2222\n",
            ConfigError(
                message: "config format invalid: the file is a YAML map (receptor v2 format), which is not supported; write a YAML list of entries (v1 format)"
            ),
            "config format invalid: the file is a YAML map (receptor v2 format), which is not supported; write a YAML list of entries (v1 format)"
        ),
        c(
            "- node: n1\n- [a, b]",
            ConfigError(index: 2, message: "unknown config file format"),
            "item 2: unknown config file format"
        ),
        c(
            "- node: n1\n- tcp-peer: [a]",
            ConfigError(entry: "tcp-peer", index: 2, message: "invalid config format for tcp-peer"),
            "tcp-peer (item 2): invalid config format for tcp-peer"
        ),
    ]

    @Test(arguments: cases)
    func errorNamesEntryItemAndField(_ testCase: Case) throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.build(items: ConfigLoader.items(yaml: testCase.yaml), hostName: "testhost")
        }
        #expect(error == testCase.error)
        #expect(error.description == testCase.description)
    }

    @Test func yamlSyntaxErrorsAreOneLine() throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: "- node: {id: n1\n- local-only\n")
        }
        #expect(error.entry == nil)
        #expect(error.message.hasPrefix("yaml: line "))
        #expect(!error.description.contains("\n"))
    }

    @Test func localhostHostNameNeedsAnExplicitID() throws {
        for host in ["localhost", "LOCALHOST", "localhost.localdomain"] {
            let error = try #require(throws: ConfigError.self) {
                try ConfigLoader.build(items: [ConfigItem(name: "local-only", index: 1)], hostName: host)
            }
            #expect(error == ConfigError(entry: "node", field: "id", message: "no node ID specified and local host name is localhost"))
            #expect(error.description == "node: field \"id\": no node ID specified and local host name is localhost")
        }
        let config = try ConfigLoader.build(
            items: [ConfigItem(name: "node", index: 1, fields: ["id": .string("n1")])],
            hostName: "localhost"
        )
        #expect(config.node.id == "n1")
        let fromHost = try ConfigLoader.build(items: [], hostName: "localhostess")
        #expect(fromHost.node.id == "localhostess")
    }

    @Test func nodeIDLimits() {
        #expect(NodeEntry.isValidID("node-1.example_x@site:2"))
        #expect(NodeEntry.isValidID(String(repeating: "a", count: 64)))
        #expect(!NodeEntry.isValidID(String(repeating: "a", count: 65)))
        #expect(!NodeEntry.isValidID(""))
        #expect(!NodeEntry.isValidID("a/b"))
        #expect(!NodeEntry.isValidID("n\u{00E9}"))
    }

    @Test func descriptionFormats() {
        #expect(ConfigError(message: "m").description == "m")
        #expect(ConfigError(entry: "e", message: "m").description == "e: m")
        #expect(ConfigError(index: 3, message: "m").description == "item 3: m")
        #expect(ConfigError(entry: "e", index: 3, field: "f", message: "m").description == "e (item 3): field \"f\": m")
        #expect(ConfigError(entry: "e", field: "cost", message: "bad cost").description == "e: bad cost")
        #expect(ConfigError(entry: "e", field: "tls", message: "no tls-server").description == "e: field \"tls\": no tls-server")
    }
}

/// Regressions found by the fuzz harnesses (Fuzz/Reproducers/).
@Suite("Config found by fuzzing")
struct ConfigFuzzRegressionTests {
    /// Nested lists of ten aliases each: every level multiplies the values to expand by ten.
    static func aliasBomb(levels: Int) -> String {
        var text = "- node:\n    id: x\n    a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n"
        for level in 1..<levels {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ",")
            text += "    a\(level): &a\(level) [\(refs)]\n"
        }
        return text
    }

    @Test("alias expansion is bounded: a 9-level alias bomb is refused at once with Go yaml's words")
    func aliasBomb() {
        let started = ContinuousClock.now
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: Self.aliasBomb(levels: 9)) }
        do {
            _ = try ConfigLoader.parse(yaml: Self.aliasBomb(levels: 9))
        } catch {
            #expect("\(error)".contains("excessive aliasing"), "\(error)")
        }
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("a few aliases are fine")
    func someAliases() throws {
        let yaml = "- node:\n    id: x\n- work-command: &w {worktype: a, command: cat}\n- work-command: {<<: *w, worktype: b}\n"
        let config = try ConfigLoader.parse(yaml: yaml)
        #expect(config.workCommands.map(\.workType) == ["a", "b"])
    }
}
