import MeshConfig
import Testing

/// YAML 1.1 typing (like Go's yaml.v2) and the §2.1 conversion rules.
@Suite struct ValueTypingTests {
    private func fields(_ yaml: String) throws -> [String: ConfigValue] {
        try #require(ConfigLoader.items(yaml: "- node:\n" + yaml).first).fields
    }

    @Test func yaml11Scalars() throws {
        let f = try fields(
            """
                a: yes
                b: No
                c: on
                d: OFF
                e: y
                f: N
                g: True
                h: 'yes'
                i: 0600
                j: '0600'
                k: 600
                l: 0x1F
                m: -12
                nn: 1.5
                o: ~
                p:
                q: 1_000
                r: 2001-12-14
                s: .inf
                t: hello
                u: "y"
                v: 08
                w: +7
                x: 1e3
                yy: Null
                z: !!str 0600
            """
        )
        #expect(f["a"] == .bool(true))
        #expect(f["b"] == .bool(false))
        #expect(f["c"] == .bool(true))
        #expect(f["d"] == .bool(false))
        #expect(f["e"] == .bool(true))
        #expect(f["f"] == .bool(false))
        #expect(f["g"] == .bool(true))
        #expect(f["h"] == .string("yes"))
        #expect(f["i"] == .int(384))
        #expect(f["j"] == .string("0600"))
        #expect(f["k"] == .int(600))
        #expect(f["l"] == .int(31))
        #expect(f["m"] == .int(-12))
        #expect(f["nn"] == .double(1.5))
        #expect(f["o"] == .null)
        #expect(f["p"] == .null)
        #expect(f["q"] == .int(1000))
        #expect(f["r"] == .string("2001-12-14"))
        #expect(f["s"] == .double(.infinity))
        #expect(f["t"] == .string("hello"))
        #expect(f["u"] == .string("y"))
        #expect(f["v"] == .double(8))
        #expect(f["w"] == .int(7))
        #expect(f["x"] == .double(1000))
        #expect(f["yy"] == .null)
        #expect(f["z"] == .string("0600"))
    }

    @Test func fieldNamesAreLowerCasedAndNestedValuesTyped() throws {
        let f = try fields(
            """
                FirewallRules:
                  - {Action: Drop, FromNode: /a.*b/}
                NodeCost: {n2: 1.5, n3: 2}
            """
        )
        #expect(f["firewallrules"] == .list([.map(["Action": .string("Drop"), "FromNode": .string("/a.*b/")])]))
        #expect(f["nodecost"] == .map(["n2": .double(1.5), "n3": .int(2)]))
    }

    @Test func mergeKeysAndAnchors() throws {
        let items = try ConfigLoader.items(
            yaml: """
                - tls-client: &base {name: a, cert: /c, key: /k, rootcas: /ca}
                - tls-client:
                    <<: *base
                    name: b
                """
        )
        #expect(items.count == 2)
        #expect(items[1].fields["name"] == .string("b"))
        #expect(items[1].fields["rootcas"] == .string("/ca"))
        #expect(items[1].fields.count == 4)
    }

    @Test func controlServicePermissionsThreeWays() throws {
        let octal = try ConfigLoader.parse(yaml: "- node: n1\n- control-service: {filename: /s, permissions: 0660}")
        let quoted = try ConfigLoader.parse(yaml: "- node: n1\n- control-service: {filename: /s, permissions: '0660'}")
        let decimal = try ConfigLoader.parse(yaml: "- node: n1\n- control-service: {filename: /s, permissions: 660}")
        let hex = try ConfigLoader.parse(yaml: "- node: n1\n- control-service: {filename: /s, permissions: '0x1B0'}")
        let defaulted = try ConfigLoader.parse(yaml: "- node: n1\n- control-service: {filename: /s}")
        #expect(octal.controlServices.first?.permissions == 0o660)
        #expect(quoted.controlServices.first?.permissions == 0o660)
        #expect(decimal.controlServices.first?.permissions == 660)
        #expect(decimal.controlServices.first?.permissions == 0o1224)
        #expect(hex.controlServices.first?.permissions == 0o660)
        #expect(defaulted.controlServices.first?.permissions == 0o600)
    }

    @Test(arguments: [
        ("true", true), ("yes", true), ("Y", true), ("on", true), ("'1'", true), ("'t'", true), ("'T'", true),
        ("'Y'", true), ("'TRUE'", true), ("'Yes'", true), ("false", false), ("no", false), ("n", false),
        ("off", false), ("'0'", false), ("'f'", false), ("'N'", false), ("'False'", false), ("'NO'", false),
    ])
    func boolConversion(text: String, expected: Bool) throws {
        let config = try ConfigLoader.parse(yaml: "- node: n1\n- tcp-peer: {address: 'h:1', redial: \(text)}")
        #expect(config.tcpPeers.first?.redial == expected)
    }

    @Test(arguments: ["'y'", "'n'", "'on'", "'maybe'", "1", "0"])
    func boolRejections(text: String) {
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: "- node: n1\n- tcp-peer: {address: 'h:1', redial: \(text)}")
        }
    }

    @Test func lowerCaseYStringIsRejectedWithGoText() {
        #expect(
            throws: ConfigError(entry: "tcp-peer", index: 2, field: "redial", message: "could not parse y as boolean")
        ) {
            try ConfigLoader.parse(yaml: "- node: n1\n- tcp-peer: {address: 'h:1', redial: 'y'}")
        }
    }

    @Test func stringFieldsFromOtherScalars() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                - node: {id: 12345}
                - local-only
                - work-command: {worktype: 1.5, command: true, params: 0600}
                - control-service: {filename: /s, tcplisten: 27199}
                """
        )
        #expect(config.node.id == "12345")
        #expect(config.workCommands.first?.workType == "1.500000")
        #expect(config.workCommands.first?.command == "true")
        #expect(config.workCommands.first?.params == "384")
        #expect(config.controlServices.first?.tcpListen == "27199")
    }

    @Test func numericConversions() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                - node: n1
                - tcp-listener: {port: '0x10', cost: '2.5', nodecost: '{"n2": 1.5, "n3": 4}'}
                - tcp-listener: {port: 2222.9, cost: 3}
                - tcp-peer: {address: 'h:1', cost: 1e1}
                """
        )
        #expect(config.tcpListeners.map(\.port) == [16, 2222])
        #expect(config.tcpListeners.map(\.cost) == [2.5, 3])
        #expect(config.tcpListeners.first?.nodeCost == ["n2": 1.5, "n3": 4])
        #expect(config.tcpPeers.first?.cost == 10)
    }

    @Test func stringListForms() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                - node: n1
                - tcp-listener: {port: 1, allowedpeers: n2}
                - tcp-listener: {port: 2, allowedpeers: '["n3", "n4"]'}
                - tcp-listener: {port: 3, allowedpeers: [n5, n6]}
                - tcp-listener: {port: 4, allowedpeers: []}
                - tcp-listener: {port: 5, allowedpeers: }
                - tcp-listener: {port: 6}
                """
        )
        #expect(config.tcpListeners.map(\.allowedPeers) == [["n2"], ["n3", "n4"], ["n5", "n6"], [], nil, nil])
    }

    @Test func nullScalarIsAnError() {
        #expect(throws: ConfigError(entry: "tcp-listener", index: 2, field: "port", message: "value cannot be nil")) {
            try ConfigLoader.parse(yaml: "- node: n1\n- tcp-listener: {port: ~}")
        }
    }

    @Test func stringNodeCostValuesAreRejected() throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: "- node: n1\n- tcp-listener: {port: 1, nodecost: {n2: '1.5'}}")
        }
        #expect(error.entry == "tcp-listener")
        #expect(error.index == 2)
        #expect(error.field == "nodecost")
        #expect(error.message == "invalid value 1.5 for n2: must be type float64")
    }

    @Test func canonicalTextIgnoresKeyOrderAndSpelling() throws {
        let a = try ConfigLoader.items(yaml: "- tcp-peer: {address: 'h:1', cost: 2, tls: t}")
        let b = try ConfigLoader.items(yaml: "- tcp-peer:\n    TLS: t\n    Cost: 2\n    address: h:1")
        #expect(a.first?.canonical == b.first?.canonical)
        #expect(a.first?.canonical == #"tcp-peer{"address":"h:1","cost":2,"tls":"t"}"#)
        let bare = try ConfigLoader.items(yaml: "- log-level: debug\n- log-level: {level: debug}\n- local-only\n- local-only:")
        #expect(bare[0].canonical == bare[1].canonical)
        #expect(bare[2].canonical == "local-only")
        #expect(bare[3].canonical == "local-only")
        #expect(ConfigValue.map(["b": .list([.null, .bool(true)]), "a": .double(1.5)]).canonical == #"{"a":1.5,"b":[null,true]}"#)
    }
}

extension ValueTypingTests {
    @Test func plainYAndNKeysAreBooleansLikeYAMLv2() {
        #expect(throws: ConfigError(entry: "node", index: 1, message: "invalid config format for node")) {
            try ConfigLoader.items(yaml: "- node:\n    y: 1")
        }
    }
}
