/// Splits `host:port` (or `[v6]:port`) as receptor's addresses are written.
struct HostPort: Sendable, Equatable, CustomStringConvertible {
    var host: String
    var port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; nil when malformed.
    init?(_ text: String) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()), (0...65535).contains(p) else { return nil }
            port = p
            return
        }
        guard let colon = text.lastIndex(of: ":") else { return nil }
        host = String(text[..<colon])
        guard let p = Int(text[text.index(after: colon)...]), (0...65535).contains(p) else { return nil }
        port = p
        if host.isEmpty { host = "0.0.0.0" }
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
