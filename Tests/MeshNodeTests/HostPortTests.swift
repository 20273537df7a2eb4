import Testing

@testable import MeshNode

@Suite("host:port parsing")
struct HostPortTests {
    @Test("IPv4 addresses and host names")
    func v4() {
        #expect(HostPort("127.0.0.1:2222") == HostPort(host: "127.0.0.1", port: 2222))
        #expect(HostPort("hop1.example:27199") == HostPort(host: "hop1.example", port: 27199))
        #expect(HostPort("localhost:0") == HostPort(host: "localhost", port: 0))
        #expect(HostPort("h:65535")?.port == 65535)
    }

    @Test("an empty host means every address")
    func emptyHost() {
        #expect(HostPort(":2222") == HostPort(host: "0.0.0.0", port: 2222))
    }

    @Test("bracketed IPv6 addresses")
    func v6() {
        #expect(HostPort("[::1]:2222") == HostPort(host: "::1", port: 2222))
        #expect(HostPort("[fe80::1%eth0]:80") == HostPort(host: "fe80::1%eth0", port: 80))
        #expect(HostPort("[2001:db8::5]:443")?.description == "[2001:db8::5]:443")
        #expect(HostPort(host: "10.0.0.1", port: 7).description == "10.0.0.1:7")
    }

    static let bad = [
        "", "host", "host:", "host:port", "host:65536", "host:-1", "host:99999999999999999999", "[::1]", "[::1]2222",
        "[::1]:", "[::1]:65536", "[::1]:x", "127.0.0.1:22 ",
    ]

    @Test("malformed addresses are refused", arguments: bad)
    func malformed(text: String) {
        #expect(HostPort(text) == nil)
    }
}
