import ArgumentParser
import Foundation
import MeshProtocol

/// Options that the Python receptorctl takes before the command name.
struct GlobalOptions {
    var socket: String?

    /// Pulls `--socket X` / `--socket=X` (and the env var) out of the arguments before the command.
    static func extract(_ args: inout [String]) -> GlobalOptions {
        var g = GlobalOptions(socket: ProcessInfo.processInfo.environment["RECEPTORCTL_SOCKET"])
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--socket" || a == "-s", i + 1 < args.count {
                g.socket = args[i + 1]
                args.removeSubrange(i...(i + 1))
                continue
            }
            if a.hasPrefix("--socket=") {
                g.socket = String(a.dropFirst("--socket=".count))
                args.remove(at: i)
                continue
            }
            if !a.hasPrefix("-") { break }
            i += 1
        }
        return g
    }

    func connect() throws -> ControlConnection {
        guard let socket, !socket.isEmpty else {
            throw ClientError("Control socket not specified: use --socket or set RECEPTORCTL_SOCKET")
        }
        return try ControlConnection(address: socket)
    }
}

nonisolated(unsafe) var globalOptions = GlobalOptions()

func printError(_ message: String) {
    FileHandle.standardError.write(Data("ERROR: \(message)\n".utf8))
}

/// Runs `body` with a connection, turning failures into `ERROR: ...` and exit status 1.
func withConnection(_ body: (ControlConnection) throws -> Void) throws {
    do {
        let c = try globalOptions.connect()
        try body(c)
    } catch let e as ClientError {
        printError(e.description)
        throw ExitCode(1)
    }
}

struct Receptorctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receptorctl",
        abstract: "Control a receptor (or receptord) node through its control socket.",
        discussion: "Global option (before the command): --socket PATH|unix://PATH|tcp://HOST:PORT, or RECEPTORCTL_SOCKET.",
        subcommands: [Status.self, Ping.self, Traceroute.self, Reload.self, Version.self]
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
            for key in hops.keys.sorted(by: { (Int($0) ?? 0) < (Int($1) ?? 0) }) {
                guard case .object(let h) = hops[key]! else { continue }
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
        print("receptorctl  \(ReceptorctlVersion.current)")
        try withConnection { c in
            guard case .object(let r) = try c.simpleCommand(#"{"command":"status","requested_fields":["Version"]}"#) else {
                throw ClientError("bad reply")
            }
            print("receptor     \(r["Version"]?.stringValue ?? "")")
        }
    }
}

enum ReceptorctlVersion {
    static let current = "0.1.0"
}
