/// A `udp-client` entry: a mesh datagram service (ad tags `type: UDP Proxy`, `address`) whose
/// datagrams are sent to a UDP address, with the replies carried back to each mesh sender.
public struct UDPClientEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// The mesh service name to receive on (at most 8 bytes).
    public var service: String
    /// The UDP `host:port` (or `[v6]:port`) to forward to, as written in the file.
    public var address: String

    /// Creates an entry.
    /// - Parameters:
    ///   - index: The item position.
    ///   - service: The mesh service name.
    ///   - address: The UDP target, `host:port`.
    public init(index: Int, service: String, address: String) {
        self.index = index
        self.service = service
        self.address = address
    }

    /// ``address`` split into host and port (brackets around an IPv6 host removed, an empty host
    /// read as `localhost` as Go does when dialling); `nil` if it is not `host:port` with a
    /// decimal port in 1...65535.
    public var hostAndPort: (host: String, port: Int)? {
        Self.splitHostPort(address)
    }

    /// Splits `host:port` or `[v6]:port`; `nil` if malformed or the port is not decimal in
    /// 1...65535 (port 0 cannot be sent to). An empty host means `localhost`.
    /// - Parameter text: The address text.
    /// - Returns: The host (without brackets) and port.
    public static func splitHostPort(_ text: String) -> (host: String, port: Int)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            // An unbracketed IPv6 address is ambiguous: receptor (Go's net.SplitHostPort) refuses it.
            guard !host.contains(":") else { return nil }
            portText = text[text.index(after: colon)...]
        }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(portText), (1...65535).contains(port)
        else {
            return nil
        }
        return (host.isEmpty ? "localhost" : String(host), port)
    }
}
