/// receptord extension: `- metrics: {port: 9100, bindaddr: 127.0.0.1}` serves Prometheus metrics on
/// `http://bindaddr:port/metrics`. Receptor has no such entry (and would refuse the file).
public struct MetricsEntry: Sendable, Equatable {
    public var index: Int
    public var port: Int
    public var bindAddr: String

    public init(index: Int, port: Int, bindAddr: String = "127.0.0.1") {
        self.index = index
        self.port = port
        self.bindAddr = bindAddr
    }
}
