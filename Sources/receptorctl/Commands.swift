import ArgumentParser
import Foundation
import MeshProtocol

/// Options that the Python receptorctl takes before the command name.
struct GlobalOptions {
    var socket: String?
    var config: String?
    var tlsClient: String?
    var rootCAs: String?
    var key: String?
    var cert: String?
    var insecureSkipVerify = false

    /// Pulls the global options (`--socket X` or `--socket=X`, and the rest) out of the arguments
    /// before the command, with the same environment variables as the Python client.
    static func extract(_ args: inout [String]) -> GlobalOptions {
        let env = ProcessInfo.processInfo.environment
        var g = GlobalOptions(socket: env["RECEPTORCTL_SOCKET"], config: env["RECEPTORCTL_CONFIG"], tlsClient: env["RECEPTORCTL_TLSCLIENT"])
        let names: [String: WritableKeyPath<GlobalOptions, String?>] = [
            "--socket": \.socket, "-s": \.socket, "--config": \.config, "-c": \.config, "--tls-client": \.tlsClient,
            "--rootcas": \.rootCAs, "--key": \.key, "--cert": \.cert,
        ]
        var i = 0
        while i < args.count {
            let a = args[i]
            if !a.hasPrefix("-") { break }
            var name = a
            var value: String?
            if let eq = a.firstIndex(of: "="), a.hasPrefix("--") {
                name = String(a[..<eq])
                value = String(a[a.index(after: eq)...])
            }
            guard names[name] != nil || name == "--insecureskipverify" else {
                i += 1
                continue
            }
            var consumed = 1
            if value == nil, i + 1 < args.count {
                value = args[i + 1]
                consumed = 2
            }
            guard let value else { break }
            if let path = names[name] {
                g[keyPath: path] = value
            } else {
                g.insecureSkipVerify = ["1", "true", "t", "yes", "y", "on"].contains(value.lowercased())
            }
            args.removeSubrange(i..<(i + consumed))
        }
        return g
    }

    /// Connects as the Python client does before every command: TLS settings first, then the
    /// socket, then the version query (with its mismatch warning).
    func connect() throws -> ControlConnection {
        tlsSettings = try resolveTLS()
        guard let socket, !socket.isEmpty else { throw ClientError("Missing parameter: socket") }
        let c = try ControlConnection(address: socket, tls: tlsSettings)
        guard case .object(let r) = try c.simpleCommand(#"{"command":"status","requested_fields":["Version"]}"#),
            let version = r["Version"]?.stringValue
        else {
            throw ClientError("'Version'")
        }
        receptorVersion = version
        if version != ReceptorctlVersion.current {
            printWarning("receptorctl and receptor are different versions, they may not be compatible")
        }
        return c
    }
}

extension GlobalOptions {
    /// The TLS settings: the command-line values, overridden by the named config entry if any.
    func resolveTLS() throws -> TLSSettings {
        var s = TLSSettings(rootCAs: rootCAs, key: key, cert: cert, insecureSkipVerify: insecureSkipVerify)
        guard let config, !config.isEmpty else { return s }
        if [rootCAs, key, cert].contains(where: { !($0 ?? "").isEmpty }) {
            throw ClientError("Cannot specify both config and rootcas, key, cert")
        }
        guard let tlsClient, !tlsClient.isEmpty else { throw ClientError("Must specify both config and tlsclient") }
        if let entry = try TLSClientConfig.load(file: config, name: tlsClient) {
            s.rootCAs = entry.rootCAs ?? s.rootCAs
            s.key = entry.key ?? s.key
            s.cert = entry.cert ?? s.cert
            s.insecureSkipVerify = entry.insecureSkipVerify ?? s.insecureSkipVerify
        }
        return s
    }
}

nonisolated(unsafe) var globalOptions = GlobalOptions()
/// The TLS settings resolved when the first connection was made, for later connections.
nonisolated(unsafe) var tlsSettings = TLSSettings()
/// The receptor version from the query every invocation starts with.
nonisolated(unsafe) var receptorVersion = "Unknown"

func printError(_ message: String) {
    FileHandle.standardError.write(Data("ERROR: \(message)\n".utf8))
}

func printWarning(_ message: String) {
    FileHandle.standardError.write(Data("Warning: \(message)\n".utf8))
}

/// Writes to stdout unbuffered, after anything `print` still holds, so raw result bytes and
/// messages come out in order.
func writeOut(_ bytes: [UInt8]) {
    fflush(nil)
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress!, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return }
        offset += n
    }
}

func writeOut(_ text: String) { writeOut(Array(text.utf8)) }

/// Runs `body`, turning failures into `ERROR: ...` and exit status 1, as the Python client's
/// top-level handler does.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ClientError {
        printError(e.description)
        throw ExitCode(1)
    }
}

/// Runs `body` with a fresh connection, turning failures into `ERROR: ...` and exit status 1.
func withConnection(_ body: (ControlConnection) throws -> Void) throws {
    try reportingErrors {
        let c = try globalOptions.connect()
        try body(c)
    }
}

struct Receptorctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receptorctl",
        abstract: "Control a receptor (or receptord) node through its control socket.",
        discussion: """
            Global options (before the command):
              --socket ADDRESS     unix:///path, unix:path, /path, tcp://host:port
                                   or tls://host:port [env: RECEPTORCTL_SOCKET]
              -c, --config FILE    receptor config with tls-client entries
                                   [env: RECEPTORCTL_CONFIG]
              --tls-client NAME    tls-client name in that config
                                   [env: RECEPTORCTL_TLSCLIENT]
              --rootcas FILE       root CA bundle for tls://
              --key FILE           client private key for tls://
              --cert FILE          client certificate for tls://
              --insecureskipverify BOOL
                                   skip the server hostname check (true/false)
            """,
        subcommands: [Status.self, Ping.self, Traceroute.self, Reload.self, Connect.self, Work.self, Version.self, Health.self, Nodes.self, Topology.self]
    )
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the status of the Receptor network.")
    @Flag(name: .customLong("json"), help: "Print as JSON") var printJSON = false

    func run() throws {
        try withConnection { c in
            let status = try c.simpleCommand("status")
            if printJSON {
                print(PythonStyleJSON.pretty(status))
            } else {
                print(StatusText.render(status), terminator: "")
            }
        }
    }
}

struct Ping: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ping a Receptor node.")
    @Argument var node: String
    @Option(help: "Number of pings to send") var count = 4
    @Option(help: "Time to wait between pings") var delay = 1.0

    func run() throws {
        var failed = false
        try withConnection { c in
            for i in 0..<count {
                guard case .object(let r) = try c.simpleCommand("ping \(node)") else { throw ClientError("bad reply") }
                if case .bool(true) = r["Success"] {
                    print("Reply from \(r["From"]?.stringValue ?? "") in \(r["TimeStr"]?.stringValue ?? "")")
                } else {
                    failed = true
                    let error = r["Error"]?.stringValue ?? "unknown error"
                    if let from = r["From"]?.stringValue, let t = r["TimeStr"]?.stringValue {
                        printError("\(error) from \(from) in \(t)")
                    } else {
                        printError(error)
                    }
                }
                if i < count - 1 { Thread.sleep(forTimeInterval: delay) }
            }
        }
        if failed { throw ExitCode(2) }
    }
}

struct Traceroute: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Do a traceroute to a Receptor node.")
    @Argument var node: String

    func run() throws {
        try withConnection { c in
            guard case .object(let hops) = try c.simpleCommand("traceroute \(node)") else { throw ClientError("bad reply") }
            for (key, value) in hops.sorted(by: { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }) {
                guard case .object(let h) = value else { continue }
                let from = h["From"]?.stringValue ?? ""
                let t = h["TimeStr"]?.stringValue ?? ""
                if let e = h["Error"]?.stringValue {
                    printError("\(key): Error \(e) from \(from) in \(t)")
                } else {
                    print("\(key): \(from) in \(t)")
                }
            }
        }
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Reload receptor configuration.")

    func run() throws {
        var code: Int32 = 0
        try withConnection { c in
            guard case .object(let r) = try c.simpleCommand("reload") else { throw ClientError("bad reply") }
            if case .bool(true) = r["Success"] {
                print("Reload successful")
            } else {
                let e = r["Error"]?.stringValue ?? ""
                printError(e)
                code = e.contains("ERRORCODE 3") ? 3 : e.contains("ERRORCODE 4") ? 4 : 5
            }
        }
        if code != 0 { throw ExitCode(code) }
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show version information for receptorctl and the receptor node.")

    func run() throws {
        try withConnection { _ in
            print("receptorctl  \(ReceptorctlVersion.current)")
            print("receptor     \(receptorVersion)")
        }
    }
}

enum ReceptorctlVersion {
    static let current = "0.1.0"
}
