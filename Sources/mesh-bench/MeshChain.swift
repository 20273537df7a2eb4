import Foundation

/// A chain of real `receptord` processes linked by mutual-TLS TCP links (or UDP, or WebSocket over
/// mutual TLS): n0 - n1 - ... - nk. The last node offers a `tcp-client` service "sink" that
/// forwards to a local TCP port.
final class MeshChain {
    /// What the links of the chain run on.
    enum LinkKind: String {
        case tcpTLS = "TCP+TLS"
        case udp = "UDP"
        case wss = "WebSocket+TLS"

        func listener(port: Int) -> String {
            switch self {
            case .tcpTLS: "- tcp-listener: {port: \(port), bindaddr: 127.0.0.1, tls: srv}\n"
            case .udp: "- udp-listener: {port: \(port), bindaddr: 127.0.0.1}\n"
            case .wss: "- ws-listener: {port: \(port), bindaddr: 127.0.0.1, tls: srv}\n"
            }
        }

        func peer(port: Int) -> String {
            switch self {
            case .tcpTLS: "- tcp-peer: {address: '127.0.0.1:\(port)', tls: cli}\n"
            case .udp: "- udp-peer: {address: '127.0.0.1:\(port)'}\n"
            case .wss: "- ws-peer: {address: 'wss://127.0.0.1:\(port)/', tls: cli}\n"
            }
        }
    }

    let nodes: [String]
    let directory: String
    private var processes: [Process] = []

    var controlSocket: String { directory + "/n0.sock" }
    var last: String { nodes.last! }

    init(
        length: Int,
        receptord: String,
        certs: String,
        sinkPort: Int,
        directory: String,
        links: LinkKind = .tcpTLS,
        lastNodeExtra: String = ""
    ) throws {
        self.nodes = (0..<length).map { "n\($0)" }
        self.directory = directory
        let ports = try (0..<length).map { _ in try BlockingSocket.freePort() }
        for (i, node) in nodes.enumerated() {
            var yaml = """
                - node: {id: \(node), datadir: \(directory)/data}
                - log-level: warning
                - tls-server: {name: srv, cert: \(certs)/\(node).crt, key: \(certs)/\(node).key, requireclientcert: true, clientcas: \(certs)/ca.crt}
                - tls-client: {name: cli, cert: \(certs)/\(node).crt, key: \(certs)/\(node).key, rootcas: \(certs)/ca.crt}
                - control-service: {filename: \(directory)/\(node).sock}

                """
            yaml += links.listener(port: ports[i])
            if i + 1 < length {
                yaml += links.peer(port: ports[i + 1])
            }
            if i == length - 1 {
                yaml += "- tcp-client: {service: sink, address: '127.0.0.1:\(sinkPort)'}\n"
                yaml += lastNodeExtra
            }
            let path = "\(directory)/\(node).yml"
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: receptord)
            p.arguments = ["--config", path]
            // Warnings and errors go to <directory>/<node>.log, kept when a run fails.
            let logPath = "\(directory)/\(node).log"
            FileManager.default.createFile(atPath: logPath, contents: nil)
            p.standardError = FileHandle(forWritingAtPath: logPath)
            try p.run()
            processes.append(p)
        }
    }

    /// Opens `connect <last> sink` on n0's control socket, retrying until the route exists.
    func connectToSink(timeout: TimeInterval = 20) throws -> BlockingSocket {
        let deadline = Date().addingTimeInterval(timeout)
        var lastError = "not started"
        while Date() < deadline {
            do {
                // Until the node listens, connecting fails: the reason is kept for the final error.
                let s = try BlockingSocket.connectUnix(controlSocket)
                do {
                    _ = try s.readLine()
                    try s.send("connect \(last) sink\n")
                    let reply = try s.readLine()
                    if reply == "Connecting" { return s }
                    lastError = reply
                } catch {
                    lastError = "\(error)"
                }
                s.close()
            } catch {
                lastError = "\(error)"
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw BenchError("could not connect through the chain: \(lastError)")
    }

    func stop() {
        for p in processes where p.isRunning {
            p.terminate()
        }
        for p in processes { p.waitUntilExit() }
    }
}
