import NIOHTTP1
import Testing

@testable import MeshNode

@Suite("ws-peer URLs and the upgrade request")
struct WebSocketURLTests {
    @Test("scheme, host, default ports and path")
    func parts() throws {
        let plain = try #require(WebSocketURL("ws://hub.example"))
        #expect(!plain.secure && plain.host == "hub.example" && plain.port == 80 && plain.target == "/")
        let secure = try #require(WebSocketURL("WSS://hub.example/mesh/in?x=1#frag"))
        #expect(secure.secure && secure.port == 443 && secure.target == "/mesh/in?x=1")
        let port = try #require(WebSocketURL("ws://127.0.0.1:8080/p"))
        #expect(port.host == "127.0.0.1" && port.port == 8080 && port.target == "/p")
        #expect(WebSocketURL("ws://h:9?q")?.target == "/?q")
    }

    @Test("IPv6 hosts in brackets")
    func v6() throws {
        let url = try #require(WebSocketURL("ws://[::1]:9000/a"))
        #expect(url.host == "::1" && url.port == 9000)
        #expect(url.hostHeader == "[::1]:9000")
        #expect(url.description == "ws://[::1]:9000/a")
        #expect(WebSocketURL("wss://[fe80::1]")?.port == 443)
    }

    @Test("Host header leaves out the default port; the description always has it")
    func hostHeader() {
        #expect(WebSocketURL("ws://h")?.hostHeader == "h")
        #expect(WebSocketURL("ws://h:80")?.hostHeader == "h")
        #expect(WebSocketURL("wss://h:443")?.hostHeader == "h")
        #expect(WebSocketURL("ws://h:443")?.hostHeader == "h:443")
        #expect(WebSocketURL("ws://h/x")?.description == "ws://h:80/x")
    }

    @Test(
        "malformed URLs are refused",
        arguments: [
            "", "http://h/", "ws://", "ws:///path", "ws://h:", "ws://h:0", "ws://h:65536", "ws://h:x", "ws://u:p@h/",
            "ws://[::1", "ws://[::1]x", "ws://[]:80", "ws://[host]:80", "ws://h h/", "ws://:80/",
        ]
    )
    func bad(text: String) {
        #expect(WebSocketURL(text) == nil)
    }

    @Test("a listener compares the path without the query")
    func requestPath() {
        #expect(WebSocketURL.path(ofRequestTarget: "/mesh?token=1") == "/mesh")
        #expect(WebSocketURL.path(ofRequestTarget: "/") == "/")
    }

    @Test("the upgrade request is GET <target> with Host and the extra header")
    func requestHead() throws {
        let url = try #require(WebSocketURL("ws://hub:8080/mesh?a=b"))
        let head = WSUpgradeRequester.requestHead(url: url, extraHeader: ("X-Token", "secret: value"))
        #expect(head.method == .GET)
        #expect(head.uri == "/mesh?a=b")
        #expect(head.headers["Host"] == ["hub:8080"])
        #expect(head.headers["X-Token"] == ["secret: value"])
        let bare = WSUpgradeRequester.requestHead(url: url, extraHeader: nil)
        #expect(bare.headers.count == 1)
    }
}
