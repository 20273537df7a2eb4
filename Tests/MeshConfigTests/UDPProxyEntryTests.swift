import MeshConfig
import Testing

/// `udp-server` and `udp-client` parse into typed entries with receptor's defaults, and bad
/// fields are refused naming the entry, the item and the field.
@Suite struct UDPProxyEntryTests {
    @Test func entriesWithDefaultsAndAllFields() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                - node: {id: n1}
                - local-only
                - udp-server: {port: 5353, remotenode: n2, remoteservice: dns}
                - udp-server: {Port: '5354', BindAddr: 127.0.0.1, RemoteNode: localhost, RemoteService: dns2}
                - udp-client: {service: dns, address: 'ns.example.com:53'}
                - udp-client: {service: dns2, address: '[::1]:5353'}
                """
        )
        #expect(
            config.udpServers == [
                UDPServerEntry(index: 3, port: 5353, bindAddr: "0.0.0.0", remoteNode: "n2", remoteService: "dns"),
                UDPServerEntry(index: 4, port: 5354, bindAddr: "127.0.0.1", remoteNode: "localhost", remoteService: "dns2"),
            ]
        )
        #expect(
            config.udpClients == [
                UDPClientEntry(index: 5, service: "dns", address: "ns.example.com:53"),
                UDPClientEntry(index: 6, service: "dns2", address: "[::1]:5353"),
            ]
        )
        #expect(config.udpClients[0].hostAndPort?.host == "ns.example.com")
        #expect(config.udpClients[0].hostAndPort?.port == 53)
        #expect(config.udpClients[1].hostAndPort?.host == "::1")
        #expect(config.unsupported.isEmpty)
    }

    @Test func addressForms() {
        func split(_ text: String) -> String? {
            UDPClientEntry.splitHostPort(text).map { "\($0.host)|\($0.port)" }
        }
        #expect(split("127.0.0.1:9") == "127.0.0.1|9")
        #expect(split("host:65535") == "host|65535")
        #expect(split("[fe80::1%eth0]:53") == "fe80::1%eth0|53")
        #expect(split(":53") == "localhost|53")
        #expect(split("host") == nil)
        #expect(split("host:") == nil)
        #expect(split("host:0") == nil)
        #expect(split("host:65536") == nil)
        #expect(split("host:+53") == nil)
        #expect(split("host:5x") == nil)
        #expect(split("::1:53") == nil)
        #expect(split("[::1]53") == nil)
        #expect(split("[::1:53") == nil)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var yaml: String
        var error: ConfigError
        var description: String
        var testDescription: String { description }
    }

    static let cases: [Case] = [
        Case(
            yaml: "- node: n1\n- udp-server: {port: 70000, remotenode: n2, remoteservice: s}",
            error: ConfigError(entry: "udp-server", index: 2, field: "port", message: "port 70000 is out of range (0-65535)"),
            description: "udp-server (item 2): port 70000 is out of range (0-65535)"
        ),
        Case(
            yaml: "- node: n1\n- udp-server: {port: -1, remotenode: n2, remoteservice: s}",
            error: ConfigError(entry: "udp-server", index: 2, field: "port", message: "port -1 is out of range (0-65535)"),
            description: "udp-server (item 2): port -1 is out of range (0-65535)"
        ),
        Case(
            yaml: "- node: n1\n- udp-server: {port: 53, remoteservice: s}",
            error: ConfigError(entry: "udp-server", index: 2, field: "remotenode", message: "required parameter missing: remotenode"),
            description: "udp-server (item 2): required parameter missing: remotenode"
        ),
        Case(
            yaml: "- node: n1\n- udp-server: {port: 53, remotenode: '', remoteservice: s}",
            error: ConfigError(entry: "udp-server", index: 2, field: "remotenode", message: "must not be empty"),
            description: "udp-server (item 2): field \"remotenode\": must not be empty"
        ),
        Case(
            yaml: "- node: n1\n- udp-server: {port: 53, remotenode: n2, remoteservice: ''}",
            error: ConfigError(entry: "udp-server", index: 2, field: "remoteservice", message: "must not be empty"),
            description: "udp-server (item 2): field \"remoteservice\": must not be empty"
        ),
        Case(
            yaml: "- node: n1\n- udp-server: {port: dns, remotenode: n2, remoteservice: s}",
            error: ConfigError(
                entry: "udp-server",
                index: 2,
                field: "port",
                message: "strconv.ParseInt: parsing \"dns\": invalid syntax"
            ),
            description: "udp-server (item 2): field \"port\": strconv.ParseInt: parsing \"dns\": invalid syntax"
        ),
        Case(
            yaml: "- node: n1\n- udp-client: {service: u}",
            error: ConfigError(entry: "udp-client", index: 2, field: "address", message: "required parameter missing: address"),
            description: "udp-client (item 2): required parameter missing: address"
        ),
        Case(
            yaml: "- node: n1\n- udp-client: {service: u, address: 'localhost'}",
            error: ConfigError(
                entry: "udp-client",
                index: 2,
                field: "address",
                message: "invalid UDP address \"localhost\": expected host:port with a port in 1-65535"
            ),
            description: "udp-client (item 2): invalid UDP address \"localhost\": expected host:port with a port in 1-65535"
        ),
        Case(
            yaml: "- node: n1\n- udp-client: {service: u, address: 'localhost:99999'}",
            error: ConfigError(
                entry: "udp-client",
                index: 2,
                field: "address",
                message: "invalid UDP address \"localhost:99999\": expected host:port with a port in 1-65535"
            ),
            description: "udp-client (item 2): invalid UDP address \"localhost:99999\": expected host:port with a port in 1-65535"
        ),
        Case(
            yaml: "- node: n1\n- udp-client: {service: '', address: 'h:1'}",
            error: ConfigError(entry: "udp-client", index: 2, field: "service", message: "must not be empty"),
            description: "udp-client (item 2): field \"service\": must not be empty"
        ),
        Case(
            yaml: "- node: n1\n- udp-client: {service: toolongname, address: 'h:1'}",
            error: ConfigError(entry: "udp-client", index: 2, field: "service", message: "service name toolongname is longer than 8 bytes"),
            description: "udp-client (item 2): service name toolongname is longer than 8 bytes"
        ),
        Case(
            yaml: "- node: n1\n- tcp-client: {service: u, address: 'h:1'}\n- udp-client: {service: u, address: 'h:1'}",
            error: ConfigError(entry: "udp-client", index: 3, field: "service", message: "service name u is already used by tcp-client (item 2)"),
            description: "udp-client (item 3): service name u is already used by tcp-client (item 2)"
        ),
        Case(
            yaml: "- node: n1\n- udp-client: {service: u, address: 'h:1', tls: x}",
            error: ConfigError(entry: "udp-client", index: 2, field: "tls", message: "field tls not defined for command udp-client"),
            description: "udp-client (item 2): field tls not defined for command udp-client"
        ),
    ]

    @Test(arguments: cases)
    func badFieldsAreRefused(_ c: Case) throws {
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.parse(yaml: c.yaml) }
        #expect(error == c.error)
        #expect(error.description == c.description)
    }

    @Test func udpProxiesAreNotReloadable() throws {
        let old = try ConfigLoader.parse(yaml: "- node: n1\n- local-only\n- udp-client: {service: u, address: 'h:1'}")
        let changed = try ConfigLoader.parse(yaml: "- node: n1\n- local-only\n- udp-client: {service: u, address: 'h:2'}")
        let reordered = try ConfigLoader.parse(yaml: "- node: n1\n- udp-client: {address: 'h:1', service: u}\n- local-only")
        #expect(old.reloadDifference(to: reordered) == nil)
        #expect(old.reloadDifference(to: changed)?.contains("'udp-client' was modified or added") == true)
    }
}
