import MeshConfig
import Testing

/// The receptor command-line form (spec §9).
@Suite struct CommandLineTests {
    @Test func specExample() throws {
        let command = try ConfigLoader.parse(arguments: [
            "--node", "id=foo", "--local-only", "--log-level", "debug",
            "--control-service", "filename=/tmp/foo.sock", "permissions=0660",
            "--tcp-peer", "localhost:2222", "cost=2.0",
            "--work-command", "worktype=echo", "command=bash", "params=-c 'echo hi'", "allowruntimeparams=true",
        ])
        #expect(command.configFiles.isEmpty)
        #expect(!command.showHelp)
        #expect(!command.showVersion)
        #expect(command.inlineItems.map(\.name) == ["node", "local-only", "log-level", "control-service", "tcp-peer", "work-command"])
        #expect(command.inlineItems.map(\.index) == [1, 2, 3, 4, 5, 6])
        #expect(command.inlineItems[0].fields == ["id": .string("foo")])
        #expect(command.inlineItems[4].fields == ["address": .string("localhost:2222"), "cost": .string("2.0")])

        let config = try ConfigLoader.build(items: command.inlineItems, hostName: "testhost")
        #expect(config.node.id == "foo")
        #expect(config.localOnly)
        #expect(config.logLevel == .debug)
        #expect(config.controlServices == [ControlServiceEntry(index: 4, filename: "/tmp/foo.sock", permissions: 0o660)])
        #expect(config.tcpPeers == [TCPPeerEntry(index: 5, address: "localhost:2222", cost: 2.0)])
        #expect(
            config.workCommands == [
                WorkCommandEntry(index: 6, workType: "echo", command: "bash", params: "-c 'echo hi'", allowRuntimeParams: true)
            ]
        )
    }

    @Test func configFilesAreCollected() throws {
        let command = try ConfigLoader.parse(arguments: ["-c", "/etc/a.yml", "--config", "/etc/b.yml", "--tcp-listener", "port=2222"])
        #expect(command.configFiles == ["/etc/a.yml", "/etc/b.yml"])
        #expect(command.inlineItems == [ConfigItem(name: "tcp-listener", index: 1, fields: ["port": .string("2222")])])
    }

    @Test func entryNamesAndKeysAreCaseInsensitive() throws {
        let command = try ConfigLoader.parse(arguments: ["--Node", "ID=Foo", "--UDP-Listener", "PORT=0x10", "--TCP-PEER", "Host:1"])
        #expect(command.inlineItems.map(\.name) == ["node", "udp-listener", "tcp-peer"])
        let config = try ConfigLoader.build(items: command.inlineItems, hostName: "testhost")
        #expect(config.node.id == "Foo")
        #expect(config.udpListeners.first?.port == 16)
        #expect(config.tcpPeers.first?.address == "Host:1")
    }

    @Test func valuesSplitAtTheFirstEquals() throws {
        let command = try ConfigLoader.parse(arguments: ["--work-command", "worktype=a", "command=env", "params=A=1 B=2"])
        #expect(command.inlineItems.first?.fields["params"] == .string("A=1 B=2"))
    }

    @Test func listFieldsAccumulateAndAcceptJSON() throws {
        let command = try ConfigLoader.parse(arguments: [
            "--tcp-listener", "port=1", "allowedpeers=a", "allowedpeers=b", #"nodecost={"n2": 1.5}"#,
            "--tcp-listener", "port=2", #"allowedpeers=["c","d"]"#, "allowedpeers=e",
            "--tcp-peer", "h:1", "cost=1", "cost=3",
        ])
        let config = try ConfigLoader.build(items: command.inlineItems, hostName: "testhost")
        #expect(config.tcpListeners.map(\.allowedPeers) == [["a", "b"], ["c", "d", "e"]])
        #expect(config.tcpListeners.first?.nodeCost == ["n2": 1.5])
        #expect(config.tcpPeers.first?.cost == 3)
    }

    @Test func appendingToABrokenJSONListIsAnErrorNotALoss() throws {
        // Once silently replaced by ["e"]: the peers in the broken list were dropped without a word.
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.parse(arguments: ["--tcp-listener", "port=2", #"allowedpeers=["c","d""#, "allowedpeers=e"])
        }
        #expect(error == ConfigError(entry: "tcp-listener", index: 1, field: "allowedpeers", message: #"invalid JSON list ["c","d""#))
        #expect(error.description == #"tcp-listener (item 1): field "allowedpeers": invalid JSON list ["c","d""#)
    }

    @Test func help() throws {
        let command = try ConfigLoader.parse(arguments: ["--node", "id=x", "--help", "--bogus"])
        #expect(command.showHelp)
        #expect(command.inlineItems.map(\.name) == ["node"])
        #expect(try ConfigLoader.parse(arguments: ["-h"]).showHelp)
        let text = ConfigLoader.helpText()
        #expect(text.hasPrefix("Usage: receptord [--<action> [<param>=<value> ...] ...]"))
        #expect(text.contains("   --tcp-listener: "))
        #expect(text.contains("      port=<int>: "))
        #expect(!text.contains("--command-runner"))
    }

    @Test func version() throws {
        let command = try ConfigLoader.parse(arguments: ["--version"])
        #expect(command.showVersion)
        #expect(command.inlineItems.isEmpty)
        #expect(throws: ConfigError(entry: "version", message: "cannot specify any other options with version")) {
            try ConfigLoader.parse(arguments: ["--version", "--node", "id=x"])
        }
        #expect(throws: ConfigError(entry: "version", message: "cannot specify any other options with version")) {
            try ConfigLoader.parse(arguments: ["-c", "/etc/receptor.conf", "--version"])
        }
    }

    @Test func errors() {
        #expect(throws: ConfigError(message: "parameter specified before command")) {
            try ConfigLoader.parse(arguments: ["id=foo", "--node"])
        }
        #expect(throws: ConfigError(message: "command error: unknown config type bogus")) {
            try ConfigLoader.parse(arguments: ["--bogus"])
        }
        #expect(
            throws: ConfigError(entry: "tls-server", index: 1, message: "config error: command does not allow bare values")
        ) {
            try ConfigLoader.parse(arguments: ["--tls-server", "name"])
        }
        #expect(throws: ConfigError(message: "--config requires a file name")) {
            try ConfigLoader.parse(arguments: ["--node", "-c"])
        }
        #expect(throws: ConfigError(message: "--config requires a file name")) {
            try ConfigLoader.parse(arguments: ["-c", "--node"])
        }
        #expect(throws: ConfigError(message: "the v2 config format (--config-v2) is not supported by receptord")) {
            try ConfigLoader.parse(arguments: ["--config-v2", "-c", "x"])
        }
    }

    @Test func inlineFieldsAreValidatedByBuild() throws {
        let command = try ConfigLoader.parse(arguments: ["--node", "n1", "--tcp-listener", "2222", "bogus=1"])
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.build(items: command.inlineItems, hostName: "testhost")
        }
        #expect(error == ConfigError(entry: "tcp-listener", index: 2, field: "bogus", message: "field bogus not defined for command tcp-listener"))
        #expect(error.description == "tcp-listener (item 2): field bogus not defined for command tcp-listener")
    }

    @Test func fileAndInlineItemsCombine() throws {
        let fileItems = try ConfigLoader.items(yaml: "- node: {id: n1}\n- tcp-listener: 2222\n")
        let command = try ConfigLoader.parse(arguments: ["--tcp-peer", "h:2222", "--local-only"])
        let config = try ConfigLoader.build(items: fileItems + command.inlineItems, hostName: "testhost")
        #expect(config.node.id == "n1")
        #expect(config.tcpListeners.map(\.port) == [2222])
        #expect(config.tcpPeers.map(\.address) == ["h:2222"])
        #expect(config.localOnly)
        #expect(config.items.count == 4)

        let twice = try ConfigLoader.parse(arguments: ["--node", "n2"])
        #expect(throws: ConfigError(entry: "node", index: 1, message: "only one node directive is allowed")) {
            try ConfigLoader.build(items: fileItems + twice.inlineItems, hostName: "testhost")
        }
    }
}
