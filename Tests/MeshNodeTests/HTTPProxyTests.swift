import NIOCore
import NIOEmbedded
import Logging
import Testing

@testable import MeshNode

@Suite("HTTP proxy for ws-peer")
struct HTTPProxyTests {
    private func url(_ text: String) -> WebSocketURL { WebSocketURL(text)! }

    @Test("ws uses HTTP_PROXY, wss uses HTTPS_PROXY; upper case wins; credentials become Basic auth")
    func selection() throws {
        let env = ["http_proxy": "http://lower:1", "HTTP_PROXY": "http://u%40x:p@proxy.corp:3128", "HTTPS_PROXY": "tunnel:8443"]
        let settings = HTTPProxySettings(environment: env)
        let plain = try settings.proxy(for: url("ws://hub.example.com/mesh"))
        #expect(plain == .init(host: "proxy.corp", port: 3128, authorization: "Basic dUB4OnA="))  // "u@x:p"
        let secure = try settings.proxy(for: url("wss://hub.example.com/"))
        #expect(secure == .init(host: "tunnel", port: 8443, authorization: nil))
        #expect(try HTTPProxySettings(environment: ["http_proxy": "p:81"]).proxy(for: url("ws://h/")) == .init(host: "p", port: 81))
        #expect(try HTTPProxySettings(environment: [:]).proxy(for: url("ws://h/")) == nil)
        #expect(try HTTPProxySettings(environment: ["HTTP_PROXY": "p:81"]).proxy(for: url("wss://h/")) == nil)
    }

    @Test("no proxy for localhost, loopback, or what NO_PROXY names")
    func bypass() throws {
        let base = ["HTTP_PROXY": "http://proxy:3128"]
        func proxied(_ target: String, noProxy: String = "") throws -> Bool {
            var env = base
            env["NO_PROXY"] = noProxy
            return try HTTPProxySettings(environment: env).proxy(for: url(target)) != nil
        }
        #expect(try !proxied("ws://localhost:80/"))
        #expect(try !proxied("ws://127.0.0.9/"))
        #expect(try !proxied("ws://[::1]/"))
        #expect(try proxied("ws://10.1.2.3/"))
        #expect(try !proxied("ws://10.1.2.3/", noProxy: "10.0.0.0/8"))
        #expect(try proxied("ws://11.1.2.3/", noProxy: "10.0.0.0/8"))
        #expect(try !proxied("ws://10.1.2.3/", noProxy: "10.1.2.3"))
        #expect(try !proxied("ws://example.com/", noProxy: "example.com"))
        #expect(try !proxied("ws://a.example.com/", noProxy: "example.com"))
        #expect(try proxied("ws://example.com/", noProxy: ".example.com"))
        #expect(try !proxied("ws://a.example.com/", noProxy: "*.example.com"))
        #expect(try proxied("ws://badexample.com/", noProxy: "example.com"))
        #expect(try !proxied("ws://example.com:8080/", noProxy: "example.com:8080"))
        #expect(try proxied("ws://example.com:9090/", noProxy: "example.com:8080"))
        #expect(try !proxied("ws://anything/", noProxy: "foo, *"))
    }

    @Test("a proxy we cannot use is an error, not a silent direct dial")
    func unsupported() {
        #expect(throws: HTTPProxySettings.Unusable.self) {
            try HTTPProxySettings(environment: ["HTTPS_PROXY": "socks5://p:1080"]).proxy(for: url("wss://h/"))
        }
        #expect(throws: HTTPProxySettings.Unusable.self) {
            try HTTPProxySettings(environment: ["HTTP_PROXY": "http://p:notaport"]).proxy(for: url("ws://h/"))
        }
    }

    @Test("the tunnel sends CONNECT, installs the pipeline on 200 and passes on what follows")
    func tunnelOpens() throws {
        let channel = EmbeddedChannel()
        var installed = false
        let tunnel = HTTPConnectTunnel(target: "hub:8080", authorization: "Basic eDp5", logger: Logger(label: "t")) { ch in
            installed = true
            try ch.pipeline.syncOperations.addHandler(ByteCollector())
        }
        try channel.pipeline.syncOperations.addHandler(tunnel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let sent = try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) }
        #expect(sent == "CONNECT hub:8080 HTTP/1.1\r\nHost: hub:8080\r\nProxy-Authorization: Basic eDp5\r\n\r\n")
        try channel.writeInbound(ByteBuffer(string: "HTTP/1.1 200 Connection estab"))
        #expect(!installed)
        try channel.writeInbound(ByteBuffer(string: "lished\r\nVia: x\r\n\r\nEXTRA"))
        #expect(installed)
        let after = try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) }
        #expect(after == "EXTRA")
        #expect(throws: (any Error).self, "removed from the pipeline") {
            try channel.pipeline.syncOperations.handler(type: HTTPConnectTunnel.self)
        }
    }

    @Test("a refusal from the proxy closes the connection")
    func tunnelRefused() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            HTTPConnectTunnel(target: "hub:8080", authorization: nil, logger: Logger(label: "t")) { _ in
                Issue.record("must not install the pipeline")
            }
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        _ = try channel.readOutbound(as: ByteBuffer.self)
        try channel.writeInbound(ByteBuffer(string: "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"))
        #expect(!channel.isActive)
    }
}

/// Passes bytes on untouched (stands in for the pipeline installed after the tunnel).
private final class ByteCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
}
