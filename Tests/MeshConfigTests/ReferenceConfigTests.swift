import MeshConfig
import Foundation
import Testing

/// The reference configurations of spec §10 parse into the expected entries.
@Suite struct ReferenceConfigTests {
    @Test func minimalStandaloneNode() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                - node: {id: foo}
                - local-only
                - control-service: {filename: /tmp/foo.sock}
                - work-command: {worktype: cat, command: cat}
                """
        )
        #expect(config.node.id == "foo")
        #expect(config.node.index == 1)
        #expect(config.node.dataDir == "/tmp/receptor")
        #expect(config.node.maxIdleConnectionTimeout == nil)
        #expect(config.node.effectiveMaxIdleConnectionTimeout == .seconds(21))
        #expect(config.node.heartbeatInterval == .milliseconds(400))
        #expect(config.node.deadPeerTimeout == .milliseconds(1200))
        #expect(config.node.routeLifetime == .seconds(120))
        #expect(config.localOnly)
        #expect(config.hasBackend)
        #expect(config.logLevel == nil)
        #expect(config.effectiveLogLevel == .info)
        #expect(
            config.controlServices == [
                ControlServiceEntry(index: 3, service: "control", filename: "/tmp/foo.sock", permissions: 0o600)
            ]
        )
        #expect(config.workCommands == [WorkCommandEntry(index: 4, workType: "cat", command: "cat")])
        #expect(config.items.map(\.name) == ["node", "local-only", "control-service", "work-command"])
        #expect(config.unsupported.isEmpty)
        #expect(config.exclusive.isEmpty)
    }

    static let awxControlNode = """
        ---
        - local-only: null
        - log-level: info
        - node:
            firewallrules:
            - action: reject
              tonode: awx-1
              toservice: control
        - control-service:
            filename: /var/run/receptor/receptor.sock
            permissions: '0660'
            service: control
        - work-command:
            allowruntimeparams: true
            command: ansible-runner
            params: worker
            worktype: local
        - work-signing:
            privatekey: /etc/receptor/work_private_key.pem
            tokenexpiration: 1m
        - work-kubernetes:
            allowruntimeauth: true
            allowruntimeparams: true
            allowruntimepod: true
            authmethod: runtime
            worktype: kubernetes-runtime-auth
        - work-kubernetes:
            allowruntimeauth: true
            allowruntimeparams: true
            allowruntimepod: true
            authmethod: incluster
            worktype: kubernetes-incluster-auth
        - tls-client:
            cert: /etc/receptor/tls/receptor.crt
            key: /etc/receptor/tls/receptor.key
            mintls13: false
            name: tlsclient
            rootcas: /etc/receptor/tls/ca/mesh-CA.crt
        - tcp-peer:
            address: hop1.example:27199
            tls: tlsclient
        """

    @Test func awxControlNode() throws {
        let items = try ConfigLoader.items(yaml: Self.awxControlNode)
        let config = try ConfigLoader.build(items: items, hostName: "awx-1")
        #expect(config.node.id == "awx-1")
        #expect(config.node.index == 3)
        #expect(config.node.firewallRules == [["action": "reject", "tonode": "awx-1", "toservice": "control"]])
        #expect(config.localOnly)
        #expect(config.logLevel == .info)
        #expect(config.controlServices.count == 1)
        #expect(config.controlServices.first?.filename == "/var/run/receptor/receptor.sock")
        #expect(config.controlServices.first?.permissions == 0o660)
        #expect(config.controlServices.first?.service == "control")
        #expect(
            config.workCommands == [
                WorkCommandEntry(
                    index: 5,
                    workType: "local",
                    command: "ansible-runner",
                    params: "worker",
                    allowRuntimeParams: true
                )
            ]
        )
        #expect(
            config.workSigning
                == WorkSigningEntry(index: 6, privateKey: "/etc/receptor/work_private_key.pem", tokenExpiration: .seconds(60))
        )
        #expect(config.unsupported.map(\.name) == ["work-kubernetes", "work-kubernetes"])
        #expect(config.unsupported.map(\.index) == [7, 8])
        #expect(
            config.tlsClients == [
                TLSClientEntry(
                    index: 9,
                    name: "tlsclient",
                    cert: "/etc/receptor/tls/receptor.crt",
                    key: "/etc/receptor/tls/receptor.key",
                    rootCAs: "/etc/receptor/tls/ca/mesh-CA.crt"
                )
            ]
        )
        #expect(config.tcpPeers == [TCPPeerEntry(index: 10, address: "hop1.example:27199", tls: "tlsclient")])
        #expect(config.tlsClient(named: "tlsclient")?.hasCertificate == true)
        #expect(config.items.count == 10)
    }

    @Test func awxControlNodeInFlowStyle() throws {
        let flow = """
            - local-only: null
            - log-level: info
            - node:
                firewallrules:
                - action: reject
                  tonode: awx-1
                  toservice: control
            - control-service: {filename: /var/run/receptor/receptor.sock, permissions: '0660', service: control}
            - work-command: {allowruntimeparams: true, command: ansible-runner, params: worker, worktype: local}
            - work-signing: {privatekey: /etc/receptor/work_private_key.pem, tokenexpiration: 1m}
            - work-kubernetes: {allowruntimeauth: true, allowruntimeparams: true, allowruntimepod: true, authmethod: runtime, worktype: kubernetes-runtime-auth}
            - work-kubernetes: {allowruntimeauth: true, allowruntimeparams: true, allowruntimepod: true, authmethod: incluster, worktype: kubernetes-incluster-auth}
            - tls-client: {cert: /etc/receptor/tls/receptor.crt, key: /etc/receptor/tls/receptor.key, mintls13: false, name: tlsclient, rootcas: /etc/receptor/tls/ca/mesh-CA.crt}
            - tcp-peer: {address: 'hop1.example:27199', tls: tlsclient}
            """
        let block = try ConfigLoader.build(items: ConfigLoader.items(yaml: Self.awxControlNode), hostName: "awx-1")
        let flowConfig = try ConfigLoader.build(items: ConfigLoader.items(yaml: flow), hostName: "awx-1")
        #expect(flowConfig == block)
        #expect(block.reloadDifference(to: flowConfig) == nil)
    }

    @Test func awxExecutionNode() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                - node: {id: exec1}
                - log-level: info
                - control-service: {service: control, filename: /var/run/receptor/receptor.sock, permissions: 0660, tls: tls_server}
                - tls-server: {name: tls_server, cert: /etc/receptor/tls/receptor.crt, key: /etc/receptor/tls/receptor.key, clientcas: /etc/receptor/tls/ca/mesh-CA.crt, requireclientcert: true, mintls13: false}
                - tls-client: {name: tls_client, cert: /etc/receptor/tls/receptor.crt, key: /etc/receptor/tls/receptor.key, rootcas: /etc/receptor/tls/ca/mesh-CA.crt, insecureskipverify: false, mintls13: false}
                - work-verification: {publickey: /etc/receptor/work_public_key.pem}
                - work-command: {worktype: ansible-runner, command: ansible-runner, params: worker, allowruntimeparams: true, verifysignature: true}
                - tcp-listener: {port: 27199, tls: tls_server}
                """
        )
        #expect(config.node.id == "exec1")
        #expect(config.logLevel == .info)
        #expect(
            config.controlServices == [
                ControlServiceEntry(
                    index: 3,
                    service: "control",
                    filename: "/var/run/receptor/receptor.sock",
                    permissions: 0o660,
                    tls: "tls_server"
                )
            ]
        )
        #expect(
            config.tlsServers == [
                TLSServerEntry(
                    index: 4,
                    name: "tls_server",
                    cert: "/etc/receptor/tls/receptor.crt",
                    key: "/etc/receptor/tls/receptor.key",
                    requireClientCert: true,
                    clientCAs: "/etc/receptor/tls/ca/mesh-CA.crt"
                )
            ]
        )
        #expect(config.tlsClients.first?.rootCAs == "/etc/receptor/tls/ca/mesh-CA.crt")
        #expect(config.tlsClients.first?.insecureSkipVerify == false)
        #expect(config.workVerification == WorkVerificationEntry(index: 6, publicKey: "/etc/receptor/work_public_key.pem"))
        #expect(config.workCommands.first?.verifySignature == true)
        #expect(config.workCommands.first?.allowRuntimeParams == true)
        #expect(config.tcpListeners == [TCPListenerEntry(index: 8, port: 27199, tls: "tls_server")])
        #expect(config.tcpListeners.first?.bindAddr == "0.0.0.0")
        #expect(config.tcpListeners.first?.cost == 1.0)
        #expect(config.tcpListeners.first?.allowedPeers == nil)
        #expect(config.hasBackend)
    }

    @Test func onlyTheFirstDocumentIsRead() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                ---
                - node: {id: first}
                - local-only
                ...
                ---
                - node: {id: second}
                - bogus-entry
                """
        )
        #expect(config.node.id == "first")
        #expect(config.items.count == 2)
    }

    @Test func emptyDocumentGivesDefaults() throws {
        let config = try ConfigLoader.build(items: ConfigLoader.items(yaml: ""), hostName: "box1")
        #expect(config.node.id == "box1")
        #expect(config.node.index == nil)
        #expect(config.items.isEmpty)
        #expect(!config.hasBackend)
    }

    @Test func allBackendKinds() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                - node: {id: n1, datadir: /var/lib/receptor, maxidleconnectiontimeout: 1m30s}
                - trace
                - tcp-listener: 2222
                - tcp-peer: peer.example:2222
                - udp-listener: {port: 2223, bindaddr: 127.0.0.1, cost: 2, nodecost: {n2: 1.5, n3: 3}, allowedpeers: [n2, n3]}
                - udp-peer: {address: 'peer:2223', redial: no, cost: 2.5}
                - ws-listener: {port: 8080, path: /mesh}
                - ws-peer: {address: 'wss://peer.example/mesh', extraheader: 'Authorization: Bearer x'}
                """
        )
        #expect(config.node.dataDir == "/var/lib/receptor")
        #expect(config.node.maxIdleConnectionTimeout == .seconds(90))
        #expect(config.trace)
        #expect(!config.localOnly)
        #expect(config.hasBackend)
        #expect(config.tcpListeners == [TCPListenerEntry(index: 3, port: 2222)])
        #expect(config.tcpPeers == [TCPPeerEntry(index: 4, address: "peer.example:2222")])
        #expect(
            config.udpListeners == [
                UDPListenerEntry(
                    index: 5,
                    port: 2223,
                    bindAddr: "127.0.0.1",
                    cost: 2,
                    nodeCost: ["n2": 1.5, "n3": 3],
                    allowedPeers: ["n2", "n3"]
                )
            ]
        )
        #expect(config.udpPeers == [UDPPeerEntry(index: 6, address: "peer:2223", redial: false, cost: 2.5)])
        #expect(config.wsListeners == [WSListenerEntry(index: 7, port: 8080, path: "/mesh")])
        #expect(config.wsPeers.first?.address == "wss://peer.example/mesh")
        #expect(config.wsPeers.first?.extraHeader == "Authorization: Bearer x")
        #expect(config.wsPeers.first?.extraHeaderField?.name == "Authorization")
        #expect(config.wsPeers.first?.extraHeaderField?.value == "Bearer x")
    }

    @Test func proxyAndSigningEntries() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                - node: {id: n1}
                - local-only
                - tls-server: {name: srv, cert: /c.pem, key: /k.pem, pinnedclientcert: ['AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99']}
                - tls-client: {name: cli, cert: '', key: '', insecureskipverify: yes}
                - tcp-server: {port: 11112, remotenode: localhost, remoteservice: control, tlsserver: srv}
                - tcp-client: {service: web, address: 'localhost:80', tlsclient: cli}
                - work-signing: /etc/key.pem
                - control-service: {service: ctl2, tcplisten: 27198, tcptls: srv}
                """
        )
        #expect(config.tlsServers.first?.pinnedClientCert.count == 1)
        #expect(config.tlsClients == [TLSClientEntry(index: 4, name: "cli", insecureSkipVerify: true)])
        #expect(config.tlsClients.first?.hasCertificate == false)
        #expect(
            config.tcpServers == [
                TCPServerEntry(index: 5, port: 11112, remoteNode: "localhost", remoteService: "control", tlsServer: "srv")
            ]
        )
        #expect(config.tcpClients == [TCPClientEntry(index: 6, service: "web", address: "localhost:80", tlsClient: "cli")])
        #expect(config.workSigning == WorkSigningEntry(index: 7, privateKey: "/etc/key.pem", tokenExpiration: .seconds(300)))
        #expect(config.controlServices.first?.tcpListen == "27198")
        #expect(config.controlServices.first?.tcpListenAddress?.host == "0.0.0.0")
        #expect(config.controlServices.first?.tcpListenAddress?.port == 27198)
        #expect(config.controlServices.first?.tcpTLS == "srv")
        #expect(config.controlServices.first?.filename == nil)
    }

    @Test func nodeExtensionFields() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                - node: {id: n1, heartbeatInterval: 100ms, deadPeerTimeout: 2s, RouteLifetime: 1m}
                """
        )
        #expect(config.node.heartbeatInterval == .milliseconds(100))
        #expect(config.node.deadPeerTimeout == .seconds(2))
        #expect(config.node.routeLifetime == .seconds(60))
    }

    @Test(arguments: [
        ("command: \"sh 'open\"", "EOF found when expecting closing quote"),
        ("command: \"  \"", "must name a program"),
    ])
    func badCommandServiceCommand(_ field: String, _ message: String) throws {
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: "- node: {id: n1}\n- local-only\n- command-service: {service: sh, \(field)}\n")
        }
        do {
            _ = try ConfigLoader.parse(yaml: "- node: {id: n1}\n- local-only\n- command-service: {service: sh, \(field)}\n")
        } catch {
            #expect("\(error)".contains("command-service (item 3)") && "\(error)".contains("\"command\"") && "\(error)".contains(message), "\(error)")
        }
    }

    @Test func unsupportedEntriesAreRecorded() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                - node: {id: n1}
                - local-only
                - work-python: {worktype: py, plugin: p, function: f, config: {a: 1}}
                - unix-socket-server: {filename: /tmp/s, remotenode: n2, remoteservice: svc}
                - unix-socket-client: {service: usock, filename: /tmp/s2}
                - udp-server: {port: 5000, remotenode: n2, remoteservice: u}
                - udp-client: {service: udpc, address: 'localhost:53'}
                - command-service: {service: shell, command: "bash -i 'a b'"}
                - ip-router: {networkname: net, localnet: 10.0.0.0/30}
                """
        )
        #expect(config.unsupported.map(\.name) == ["work-python", "ip-router"])
        #expect(config.unsupported.map(\.index) == [3, 9])
        // The unix-socket and UDP proxies and the command service are applied now: typed entries.
        #expect(config.commandServices == [CommandServiceEntry(index: 8, service: "shell", command: "bash -i 'a b'", arguments: ["bash", "-i", "a b"])])
        #expect(config.unixSocketServers == [UnixSocketServerEntry(index: 4, filename: "/tmp/s", remoteNode: "n2", remoteService: "svc")])
        #expect(config.unixSocketClients == [UnixSocketClientEntry(index: 5, service: "usock", filename: "/tmp/s2")])
        #expect(config.udpServers == [UDPServerEntry(index: 6, port: 5000, remoteNode: "n2", remoteService: "u")])
        #expect(config.udpClients == [UDPClientEntry(index: 7, service: "udpc", address: "localhost:53")])
        #expect(config.unsupported.allSatisfy { !$0.reason.isEmpty })
    }

    @Test(arguments: [
        "- version",
        "- cert-init: {commonname: CA, bits: 2048, outcert: /tmp/ca.crt, outkey: /tmp/ca.key}",
        "- cert-makereq: {commonname: n1, bits: 2048, nodeid: n1, outreq: /tmp/r.csr, outkey: /tmp/r.key}",
        "- cert-signreq: {req: /tmp/r.csr, cacert: /tmp/ca.crt, cakey: /tmp/ca.key, outcert: /tmp/n1.crt, verify: true}",
    ])
    func exclusiveEntriesAreRecorded(yaml: String) throws {
        let config = try ConfigLoader.build(items: ConfigLoader.items(yaml: yaml), hostName: "localhost")
        #expect(config.exclusive.count == 1)
        #expect(config.exclusive.first?.index == 1)
        #expect(!config.hasBackend)
    }

    @Test func defaultNodeIDIsTheSystemHostName() throws {
        let host = ProcessInfo.processInfo.hostName
        let lowered = host.lowercased()
        let explicit = try ConfigLoader.build(items: [ConfigItem(name: "node", index: 1, fields: ["ID": .string("n9")])])
        #expect(explicit.node.id == "n9")
        if lowered == "localhost" || lowered.hasPrefix("localhost.") || !NodeEntry.isValidID(host) {
            #expect(throws: ConfigError.self) { try ConfigLoader.build(items: []) }
        } else {
            let implicit = try ConfigLoader.build(items: [])
            #expect(!implicit.node.id.isEmpty)
            #expect(NodeEntry.isValidID(implicit.node.id))
        }
    }

    @Test func loadReadsFiles() throws {
        let path = "/tmp/meshconfig-test-\(UInt64.random(in: 0...UInt64.max)).yaml"
        try "- node: {id: fromfile}\n- local-only\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try ConfigLoader.load(path: path)
        #expect(config.node.id == "fromfile")
        #expect(config.localOnly)
    }

    @Test func loadReportsMissingFile() {
        #expect(
            throws: ConfigError(
                message: "error loading config file: open /nonexistent/receptor.conf: no such file or directory"
            )
        ) {
            try ConfigLoader.load(path: "/nonexistent/receptor.conf")
        }
    }
}

extension ReferenceConfigTests {
    @Test func logLevelForms() throws {
        #expect(try ConfigLoader.parse(yaml: "- node: n1\n- log-level").logLevel == .error)
        #expect(try ConfigLoader.parse(yaml: "- node: n1\n- log-level:").logLevel == .error)
        #expect(try ConfigLoader.parse(yaml: "- node: n1\n- log-level: DEBUG").logLevel == .debug)
        #expect(try ConfigLoader.parse(yaml: "- node: n1\n- log-level: {level: Warning}").logLevel == .warning)
        #expect(try ConfigLoader.parse(yaml: "- node: n1").logLevel == nil)
        #expect(try ConfigLoader.parse(yaml: "- node: n1").effectiveLogLevel == .info)
    }
}
