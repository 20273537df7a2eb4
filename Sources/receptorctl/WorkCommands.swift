import ArgumentParser
import Foundation
import MeshProtocol

/// `receptorctl work ...`: unit-of-work commands, as in the Python client.
struct Work: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Commands related to unit-of-work processing",
        subcommands: [WorkCancel.self, WorkList.self, WorkRelease.self, WorkResults.self, WorkSubmit.self]
    )
}

/// `work list`: prints the units as sorted, indented JSON, or only their IDs with `--quiet`.
struct WorkList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List known units of work.")
    @Flag(name: [.customShort("q"), .long], help: "Only list unit IDs with no detail") var quiet = false
    @Option(help: "Receptor node to list work from. Defaults to the local node.") var node: String?
    @Option(name: .customLong("unit_id"), help: "Only show detail for a specific unit id") var unitID = ""
    @Option(name: .customLong("tls-client"), help: "TLS client config name used when connecting to remote node")
    var tlsClient = ""

    func run() throws {
        try startSession()
        try reportingErrors {
            if let node, !node.isEmpty {
                let c = try session.connectToService(node: node, service: "control", tlsClient: tlsClient)
                try c.handshake()
            }
            let work = try session.simpleCommand("work list" + (unitID.isEmpty ? "" : " " + unitID))
            if quiet {
                guard case .object(let units) = work else { throw ClientError("'\(type(of: work))' object has no attribute 'keys'") }
                // The server writes keys sorted, and Python keeps that order.
                for id in units.keys.sorted() { print(id) }
            } else {
                print(PythonStyleJSON.pretty(work))
            }
        }
    }
}

/// `work submit`: creates a unit, streams its payload, and optionally follows its results.
struct WorkSubmit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "submit", abstract: "Submit a new unit of work.")
    @Argument(help: "The work type to run") var worktype: String
    @Option(help: "Receptor node to run the work on. Defaults to the local node.") var node: String?
    @Option(name: [.customShort("p"), .long], help: "File containing unit of work data. Use - for stdin.") var payload: String?
    @Option(name: [.customShort("l"), .long], help: "Use the command line string as the literal unit of work data.")
    var payloadLiteral: String?
    @Flag(name: [.customShort("n"), .long], help: "Send an empty payload.") var noPayload = false
    @Option(name: .customLong("tls-client"), help: "TLS client used when submitting work to a remote node") var tlsClient = ""
    @Option(help: "Time to live until remote work must start, e.g. 1h20m30s or 30m10s") var ttl = ""
    @Flag(help: "Digitally sign remote work submissions") var signwork = false
    @Flag(name: [.customShort("f"), .long], help: "Remain attached to the job and print its results to stdout") var follow = false
    @Flag(help: "Release unit after completion") var rm = false
    @Option(name: [.customShort("a"), .long], help: "Additional Receptor parameter (key=value format)") var param: [String] = []
    @Argument(help: "Command parameters, appended to params") var cmdparams: [String] = []

    func run() throws {
        try startSession()
        let given = [payload, payloadLiteral].filter { !($0 ?? "").isEmpty }.count + (noPayload ? 1 : 0)
        if given < 1 {
            printError("Must provide one of --payload, --no-payload or --payload-literal.")
            throw ExitCode(1)
        }
        if given > 1 {
            printError("Cannot provide more than one of --payload, --no-payload and --payload-literal.")
            throw ExitCode(1)
        }
        if rm && !follow { printWarning("using --rm without --follow. Unit results will never be seen.") }
        let source: PayloadSource
        if let literal = payloadLiteral, !literal.isEmpty {
            source = .bytes(Array((literal + "\n").utf8))
        } else if noPayload {
            source = .bytes([])
        } else if payload == "-" {
            source = .fd(0)
        } else {
            do {
                source = .fd(try PayloadSource.open(payload!))
            } catch let e as ClientError {
                printError("Failed to load payload file: \(e)")
                throw ExitCode(1)
            }
        }
        var unitID: String?
        var code: Int32 = 0
        do {
            var params = try Self.parseParams(param)
            if !cmdparams.isEmpty {
                let all = (params.value("params").map { [$0] } ?? []) + cmdparams
                params.set("params", all.joined(separator: " "))
            }
            let (result, unit) = try submitWork(source: source, params: params)
            unitID = unit
            if follow {
                try followResults(unit)
            } else {
                print("Result: \(result)")
                print("Unit ID: \(unit)")
            }
        } catch let e as ClientError {
            printError(e.description)
            code = 101
        } catch let e as ExitCode {
            code = e.rawValue
        }
        if rm, let unitID { try opOnUnitIDs("release", [unitID]) }
        if code != 0 { throw ExitCode(code) }
    }

    /// `--param k=v` pairs in first-seen order; a repeated key keeps its place and takes the last value.
    static func parseParams(_ raw: [String]) throws -> OrderedParams {
        var params = OrderedParams()
        for (i, p) in raw.enumerated() {
            guard let eq = p.firstIndex(of: "=") else {
                throw ClientError("dictionary update sequence element #\(i) has length 1; 2 is required")
            }
            params.set(String(p[..<eq]), String(p[p.index(after: eq)...]))
        }
        return params
    }

    /// The JSON submit request, the payload and the half-close; returns (result, unit ID).
    func submitWork(source: PayloadSource, params: OrderedParams) throws -> (String, String) {
        let target = node.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        var fields: [(String, String)] = [("command", "work"), ("subcommand", "submit"), ("node", target), ("worktype", worktype)]
        if !tlsClient.isEmpty { fields.append(("tlsclient", tlsClient)) }
        if !ttl.isEmpty { fields.append(("ttl", ttl)) }
        if signwork { fields.append(("signwork", "true")) }
        for (k, v) in params.items {
            guard !fields.contains(where: { $0.0 == k }) else { throw ClientError("Duplicate or illegal parameter \(k)") }
            guard let first = v.first else { throw ClientError("string index out of range") }
            if first == "@" && !v.hasPrefix("@@") {
                let name = String(v.dropFirst())
                guard FileManager.default.fileExists(atPath: name) else { throw ClientError("\(name) does not exist") }
                guard let data = FileManager.default.contents(atPath: name), let text = String(data: data, encoding: .utf8) else {
                    throw ClientError("could not read from file \(name)")
                }
                fields.append((k, text))
            } else {
                fields.append((k, v))
            }
        }
        let json = "{" + fields.map { "\(PythonStyleJSON.string($0.0)): \(PythonStyleJSON.string($0.1))" }.joined(separator: ", ") + "}"
        let c = try session.current()
        try c.send(json)
        let text = try c.readLine()
        let head = "Work unit created with ID "
        let tail = " Send stdin data and EOF."
        guard text.hasPrefix(head), text.hasSuffix(tail), text.count >= head.count + tail.count + 2 else {
            var message = "Failed to start work unit"
            if text.hasPrefix("ERROR: ") { message += ": " + text.dropFirst(7) }
            throw ClientError(message)
        }
        try source.copy(to: c)
        c.shutdownWrite()
        let reply = try c.readLine()
        session.close()
        if reply.hasPrefix("ERROR:") { throw ClientError("Remote error: \(reply)") }
        // A parse attempt: anything but a JSON object is reported just below, with Python's texts.
        guard case .object(let r) = try? JSONParser.parse(reply) else {
            throw ClientError(reply.isEmpty ? "Expecting value: line 1 column 1 (char 0)" : "invalid reply from receptor: \(reply)")
        }
        guard let result = r["result"], let unit = r["unitid"] else { throw ClientError(r["result"] == nil ? "'result'" : "'unitid'") }
        return (Session.str(result), Session.str(unit))
    }
}

/// Work parameters in the order Python's dict keeps them.
struct OrderedParams {
    private(set) var items: [(String, String)] = []

    func value(_ key: String) -> String? { items.first { $0.0 == key }?.1 }

    mutating func set(_ key: String, _ value: String) {
        if let i = items.firstIndex(where: { $0.0 == key }) {
            items[i].1 = value
        } else {
            items.append((key, value))
        }
    }
}

/// Where a submit payload comes from: literal bytes, stdin or a file, streamed in chunks.
enum PayloadSource {
    case bytes([UInt8])
    case fd(Int32)

    /// Opens a payload file, failing with Python's `OSError` text.
    static func open(_ path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else { throw ClientError("\(ControlConnection.errnoText(errno)): '\(path)'") }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw ClientError("\(ControlConnection.errnoText(EISDIR)): '\(path)'")
        }
        return fd
    }

    func copy(to c: ControlConnection) throws {
        switch self {
        case .bytes(let b):
            try c.sendBytes(b)
        case .fd(let fd):
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw ClientError(ControlConnection.errnoText(errno)) }
                if n == 0 { break }
                try c.sendBytes(chunk[..<n])
            }
            if fd != 0 { close(fd) }
        }
    }
}

/// Streams a unit's stdout until the server closes, then exits 1 if the unit Failed
/// (what `work results` and `work submit --follow` do).
func followResults(_ unit: String) throws {
    let c = try session.current()
    try c.send("work results \(unit) 0")
    let text = try c.readLine()
    let head = "Streaming results for work unit "
    guard text.hasPrefix(head), text.count > head.count else {
        var message = "Failed to get results"
        if text.hasPrefix("ERROR: ") { message += ": " + text.dropFirst(7) }
        throw ClientError(message)
    }
    c.shutdownWrite()
    session.close()
    while let chunk = try c.readChunk() { writeOut(chunk) }
    guard case .object(let status) = try session.simpleCommand("work status \(unit)") else { return }
    if case .int(3) = status["State"] {
        let detail = status["Detail"].map(Session.str) ?? "Unknown"
        printError("Remote unit failed: \(detail)\n")
        throw ExitCode(1)
    }
}

/// `work <op> <id>` for each id, printing `(<id>, <reply key>)`; the first failure prints
/// `ERROR: <id>: ERROR: <message>` and exits 1.
func opOnUnitIDs(_ op: String, _ ids: [String]) throws {
    for id in ids {
        do {
            guard case .object(let r) = try session.simpleCommand("work \(op) \(id)"), let key = r.keys.sorted().first else {
                throw ClientError("list index out of range")
            }
            print("(\(Session.str(r[key]!)), \(key))")
        } catch let e as ClientError {
            printError("\(id): ERROR: \(e)")
            throw ExitCode(1)
        }
    }
}

/// `work results`: a unit's stdout, then its failure (exit 1) if it Failed.
struct WorkResults: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results", abstract: "Get results for a previously or currently running unit of work.")
    @Argument(help: "The unit ID") var unitID: String

    func run() throws {
        try startSession()
        try reportingErrors { try followResults(unitID) }
    }
}

/// `work cancel`: cancels (kills) units.
struct WorkCancel: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel (kill) one or more units of work.")
    @Argument(help: "The unit IDs") var unitIDs: [String] = []

    func run() throws {
        try startSession()
        if unitIDs.isEmpty {
            printWarning("No unit IDs supplied: Not doing anything")
            return
        }
        print("Cancelled:")
        try opOnUnitIDs("cancel", unitIDs)
    }
}

/// `work release`: releases (deletes) units, or all of them with `--all`.
struct WorkRelease: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "release", abstract: "Release (delete) one or more units of work.")
    @Flag(help: "Delete locally even if we can't reach the remote node") var force = false
    @Flag(help: "Delete all work units") var all = false
    @Argument(help: "The unit IDs") var unitIDs: [String] = []

    func run() throws {
        try startSession()
        if unitIDs.isEmpty && !all {
            printWarning("No unit IDs supplied: Not doing anything")
            return
        }
        let op = force ? "force-release" : "release"
        print("Released:")
        var ids = unitIDs
        if all {
            try reportingErrors {
                guard case .object(let units) = try session.simpleCommand("work list") else { throw ClientError("bad reply") }
                ids = units.keys.sorted()
            }
        }
        try opOnUnitIDs(op, ids)
    }
}
