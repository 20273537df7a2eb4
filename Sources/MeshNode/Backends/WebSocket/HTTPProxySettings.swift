import Foundation
import NIOCore

/// Which HTTP proxy a `ws-peer` goes through, from the environment, as receptor (Go's
/// `http.ProxyFromEnvironment`) decides it. Pure: built from an environment dictionary.
///
/// - `ws://` uses `HTTP_PROXY` (or `http_proxy`), `wss://` uses `HTTPS_PROXY` (or `https_proxy`);
///   a value without a scheme means `http://`. `user:password@` gives `Proxy-Authorization: Basic`.
/// - No proxy for `localhost` and loopback addresses, nor for hosts matched by `NO_PROXY` (or
///   `no_proxy`): comma-separated entries, `*` for everything, an IP address or CIDR block, or a
///   host name with an optional `:port` (`example.com` matches it and its subdomains,
///   `.example.com` and `*.example.com` only its subdomains).
/// - Only plain `http://` proxies are supported (receptord tunnels with `CONNECT`); another scheme
///   is reported by ``proxy(for:)`` as an error rather than silently dialled directly.
struct HTTPProxySettings: Sendable {
    /// A proxy to tunnel through.
    struct Proxy: Sendable, Equatable, CustomStringConvertible {
        var host: String
        var port: Int
        /// The `Proxy-Authorization` header value, when the proxy URL carries credentials.
        var authorization: String?

        var description: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
    }

    /// A proxy setting that cannot be used.
    struct Unusable: Error, CustomStringConvertible {
        var description: String
    }

    private let httpProxy: String?
    private let httpsProxy: String?
    private let noProxy: [String]

    init(environment: [String: String]) {
        func value(_ upper: String, _ lower: String) -> String? {
            let v = environment[upper].flatMap { $0.isEmpty ? nil : $0 } ?? environment[lower]
            return v.flatMap { $0.isEmpty ? nil : $0 }
        }
        httpProxy = value("HTTP_PROXY", "http_proxy")
        httpsProxy = value("HTTPS_PROXY", "https_proxy")
        noProxy = (value("NO_PROXY", "no_proxy") ?? "")
            .split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
    }

    /// The proxy for `url`, nil to dial directly; throws for a proxy setting that cannot be used.
    func proxy(for url: WebSocketURL) throws(Unusable) -> Proxy? {
        guard let setting = url.secure ? httpsProxy : httpProxy else { return nil }
        guard useProxy(host: url.host.lowercased(), port: url.port) else { return nil }
        return try Self.parse(setting)
    }

    private func useProxy(host: String, port: Int) -> Bool {
        if host == "localhost" { return false }
        let ip = IPAddress(host)
        if let ip, ip.isLoopback { return false }
        for entry in noProxy {
            if entry == "*" { return false }
            if let block = CIDRBlock(entry) {
                if let ip, block.contains(ip) { return false }
                continue
            }
            if let exact = IPAddress(entry) {
                if ip == exact { return false }
                continue
            }
            var name = entry
            var entryPort: Int?
            if let colon = name.lastIndex(of: ":"), let p = Int(name[name.index(after: colon)...]) {
                entryPort = p
                name = String(name[..<colon])
            }
            if name.hasPrefix("*.") { name.removeFirst() }
            let subdomainsOnly = name.hasPrefix(".")
            let bare = subdomainsOnly ? String(name.dropFirst()) : name
            let matches = host.hasSuffix("." + bare) || (!subdomainsOnly && host == bare)
            if matches && (entryPort == nil || entryPort == port) { return false }
        }
        return true
    }

    /// Parses `http://[user:password@]host[:port]` (scheme optional; port 80 by default).
    static func parse(_ setting: String) throws(Unusable) -> Proxy {
        var rest = Substring(setting.trimmingCharacters(in: .whitespaces))
        if let schemeEnd = rest.range(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "http" else {
                throw Unusable(description: "proxy \(setting): only http:// proxies are supported, not \(scheme)://")
            }
            rest = rest[schemeEnd.upperBound...]
        }
        rest = rest.prefix { $0 != "/" }
        var authorization: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = String(rest[..<at]).removingPercentEncoding ?? String(rest[..<at])
            authorization = "Basic " + Data(credentials.utf8).base64EncodedString()
            rest = rest[rest.index(after: at)...]
        }
        var host = String(rest)
        var port = 80
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":"), let p = Int(after.dropFirst()) { port = p }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]) else {
                throw Unusable(description: "proxy \(setting): bad port")
            }
            port = p
            host = String(host[..<colon])
        }
        guard !host.isEmpty, (1...65535).contains(port) else {
            throw Unusable(description: "proxy \(setting): no host")
        }
        return Proxy(host: host, port: port, authorization: authorization)
    }
}

/// An IPv4 or IPv6 address as bytes (for loopback and `NO_PROXY` checks).
private struct IPAddress: Equatable {
    var bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    var isLoopback: Bool {
        bytes.count == 4 ? bytes[0] == 127 : bytes == Array(repeating: 0, count: 15) + [1]
    }
}

/// `address/bits`.
private struct CIDRBlock {
    var network: IPAddress
    var bits: Int

    init?(_ text: String) {
        guard let slash = text.firstIndex(of: "/"), let address = IPAddress(String(text[..<slash])),
            let bits = Int(text[text.index(after: slash)...]), bits >= 0, bits <= address.bytes.count * 8
        else { return nil }
        self.network = address
        self.bits = bits
    }

    func contains(_ ip: IPAddress) -> Bool {
        guard ip.bytes.count == network.bytes.count else { return false }
        var remaining = bits
        for (a, b) in zip(ip.bytes, network.bytes) where remaining > 0 {
            let take = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            if a & mask != b & mask { return false }
            remaining -= take
        }
        return true
    }
}
