/// A `ws://` or `wss://` URL as a `ws-peer` address gives it. Pure.
///
/// `scheme://host[:port][/path][?query]`; the port defaults to 80 (ws) or 443 (wss), the path to
/// `/`; an IPv6 host is written in brackets. User info (`user@host`) is not supported and a
/// fragment is dropped.
struct WebSocketURL: Sendable, Equatable, CustomStringConvertible {
    /// `wss://`: TLS under the HTTP upgrade.
    var secure: Bool
    /// Host name or IP address, without brackets.
    var host: String
    var port: Int
    /// Path and query, as sent in the request line; starts with `/`.
    var target: String

    /// Parses `text`; nil when it is not a usable ws/wss URL.
    init?(_ text: String) {
        let lowered = text.lowercased()
        let rest: Substring
        if lowered.hasPrefix("ws://") {
            secure = false
            rest = text.dropFirst(5)
        } else if lowered.hasPrefix("wss://") {
            secure = true
            rest = text.dropFirst(6)
        } else {
            return nil
        }
        let withoutFragment = rest.prefix { $0 != "#" }
        let authorityEnd = withoutFragment.firstIndex { $0 == "/" || $0 == "?" } ?? withoutFragment.endIndex
        let authority = withoutFragment[..<authorityEnd]
        var target = String(withoutFragment[authorityEnd...])
        if target.hasPrefix("?") { target = "/" + target }
        self.target = target.isEmpty ? "/" : target
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains(where: \.isWhitespace) else { return nil }
        let defaultPort = secure ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                port = defaultPort
            } else {
                guard after.hasPrefix(":"), let p = Self.port(after.dropFirst()) else { return nil }
                port = p
            }
            guard host.contains(":") else { return nil }
        } else if let colon = authority.firstIndex(of: ":") {
            host = String(authority[..<colon])
            guard let p = Self.port(authority[authority.index(after: colon)...]) else { return nil }
            port = p
        } else {
            host = String(authority)
            port = defaultPort
        }
        guard !host.isEmpty else { return nil }
    }

    private static func port(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.allSatisfy(\.isASCII), let p = Int(text), (1...65535).contains(p) else { return nil }
        return p
    }

    /// `host` as written in a URL or Host header (IPv6 in brackets).
    var bracketedHost: String { host.contains(":") ? "[\(host)]" : host }

    /// The `Host` header of the upgrade request: the port only when it is not the scheme's default.
    var hostHeader: String {
        port == (secure ? 443 : 80) ? bracketedHost : "\(bracketedHost):\(port)"
    }

    /// The normalized URL, always with its port: `ws://host:port/path`.
    var description: String { "\(secure ? "wss" : "ws")://\(bracketedHost):\(port)\(target)" }

    /// The path of a request target (what a listener compares with its `path`): the query is
    /// not part of it.
    static func path(ofRequestTarget target: String) -> String {
        String(target.prefix { $0 != "?" })
    }
}
