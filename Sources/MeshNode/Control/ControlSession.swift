import Logging
import MeshConfig
import MeshProtocol
import NIOCore

/// One control-service session (unix socket, TCP, TLS or mesh stream), speaking receptor's protocol:
/// a greeting, then command lines (plain or JSON), each answered by one line, many per connection.
///
/// Input is consumed line by line; bytes after a command line stay buffered for the command that
/// owns them (`connect` hands them to the bridge). While an asynchronous command (ping, traceroute,
/// connect) runs, reading pauses, so a client cannot make us buffer without bound.
final class ControlSession: ByteDuplexDelegate {
    private let duplex: any ByteDuplex
    private let context: ControlContext
    /// Unix-socket sessions skip work-signature checks (receptor's rule).
    let trusted: Bool
    private var inbound = ByteBuffer()
    private let reader = ControlLineReader()
    private var busy = false
    private var inputClosed = false
    private var handedOff = false
    private var closed = false
    private var selfReference: ControlSession?
    private let logger: Logger
    /// The exchange of a `work` command in progress, if any.
    private var exchange: ControlExchange?
    /// Where payload bytes go while a command reads one (`work submit`).
    private var payloadSink: (chunk: (ByteBuffer) -> Void, end: () -> Void)?

    init(duplex: any ByteDuplex, context: ControlContext, trusted: Bool, logger: Logger) {
        self.duplex = duplex
        self.context = context
        self.trusted = trusted
        self.logger = logger
    }

    /// Sends the greeting and starts reading commands.
    func start() {
        selfReference = self
        duplex.duplexDelegate = self
        writeLine("Receptor Control, node \(context.core.localNode)")
    }

    // MARK: ByteDuplexDelegate

    func duplexReceived(_ buffer: ByteBuffer) {
        if let sink = payloadSink {
            sink.chunk(buffer)
            return
        }
        var buffer = buffer
        inbound.writeBuffer(&buffer)
        processInput()
    }

    func duplexInputClosed() {
        inputClosed = true
        if let sink = payloadSink {
            payloadSink = nil
            sink.end()
            return
        }
        processInput()
    }

    func duplexClosed(error: String?) {
        closed = true
        selfReference = nil
        if let e = exchange {
            exchange = nil
            e.onClosed?()
        }
    }

    func duplexWritabilityChanged(_ writable: Bool) {
        if writable { exchange?.onWritable?() }
    }

    // MARK: work commands (ControlExchange support)

    var isWritable: Bool { duplex.isWritable }

    func write(_ buffer: ByteBuffer) {
        guard !closed else { return }
        duplex.write(buffer)
    }

    func sendLine(_ text: String) { writeLine(text) }

    /// Feeds everything after the command line, and what arrives until EOF, to `chunk`.
    func startPayload(chunk: @escaping (ByteBuffer) -> Void, end: @escaping () -> Void) {
        let leftover = inbound
        inbound = ByteBuffer()
        if leftover.readableBytes > 0 { chunk(leftover) }
        if inputClosed {
            end()
            return
        }
        payloadSink = (chunk, end)
        duplex.setReading(true)
    }

    func exchangeFinished(_ e: ControlExchange, closeSession: Bool) {
        guard exchange === e else { return }
        exchange = nil
        payloadSink = nil
        if closeSession {
            finish()
        } else {
            exchangeDone?()
            exchangeDone = nil
        }
    }

    private var exchangeDone: (() -> Void)?

    // MARK: lines

    private func processInput() {
        while !busy && !handedOff && !closed {
            switch reader.nextLine(from: &inbound) {
            case .line(let line):
                execute(line)
            case .lineTooLong:
                writeLine("ERROR: command line too long")
                finish()
                return
            case .needMoreData:
                if inputClosed {
                    if let last = reader.finalLine(from: &inbound) {
                        execute(last)
                        if busy || handedOff { return }
                    }
                    finish()
                }
                return
            }
        }
    }

    private func finish() {
        guard !closed else { return }
        closed = true
        duplex.close(error: nil)
        selfReference = nil
    }

    private func writeLine(_ text: String) {
        var b = ByteBuffer()
        b.reserveCapacity(text.utf8.count + 1)
        b.writeString(text)
        b.writeInteger(UInt8(ascii: "\n"))
        duplex.write(b)
    }

    private func reply(_ value: JSONValue) { writeLine(value.text) }
    private func replyError(_ message: String) { writeLine("ERROR: \(message)") }

    /// Runs an asynchronous command: input is paused until `body` calls its completion.
    private func runAsync(_ body: (@escaping () -> Void) -> Void) {
        busy = true
        duplex.setReading(false)
        body { [weak self] in
            guard let self else { return }
            self.busy = false
            if !self.closed && !self.handedOff {
                self.duplex.setReading(true)
                self.processInput()
            }
        }
    }

    private func execute(_ line: String) {
        if line.isEmpty { return }
        let command: ControlCommand
        switch ControlCommand.parse(line) {
        case .failure(let e):
            replyError(e.message)
            return
        case .success(let c):
            command = c
        }
        context.core.countControlCommand(command.name)
        do {
            switch command.name {
            case "status": try status(command.arguments)
            case "ping": try ping(command.arguments)
            case "traceroute": try traceroute(command.arguments)
            case "connect": try connect(command.arguments)
            case "reload": reload()
            case "work": try work(command.arguments)
            default: replyError("Unknown command")
            }
        } catch let e as ControlReplyError {
            replyError(e.message)
        } catch {
            replyError("\(error)")
        }
    }

    // MARK: status

    private func status(_ args: ControlCommand.Arguments) throws {
        var requested: [String]?
        switch args {
        case .text(let t):
            if !t.isEmpty { throw ControlReplyError("status command does not take parameters") }
        case .json(let fields):
            if let r = fields["requested_fields"] {
                guard case .array(let items) = r else {
                    throw ControlReplyError("requested_fields must be a list of strings")
                }
                requested = try items.map {
                    guard case .string(let s) = $0 else {
                        throw ControlReplyError("each element of requested_fields must be a string")
                    }
                    return s
                }
            }
        }
        let full = StatusReport.make(core: context.core, fields: requested.map(Set.init))
        if let requested {
            var picked: [String: JSONValue] = [:]
            for name in requested { if let v = full[name] { picked[name] = v } }
            reply(.object(picked))
        } else {
            reply(.object(full))
        }
    }

    // MARK: ping and traceroute

    private func target(_ args: ControlCommand.Arguments, command: String) throws -> String {
        let node: String
        switch args {
        case .text(let t):
            if t.isEmpty { throw ControlReplyError("no \(command) target") }
            node = t
        case .json(let fields):
            guard let v = fields["target"] else { throw ControlReplyError("no \(command) target") }
            guard case .string(let s) = v else { throw ControlReplyError("\(command) target must be string") }
            node = s
        }
        if let problem = MeshName.nodeIDProblem(node) { throw ControlReplyError("\(command) target: \(problem)") }
        return node
    }

    private func ping(_ args: ControlCommand.Arguments) throws {
        let node = try target(args, command: "ping")
        runAsync { done in
            context.core.ping(node).assumeIsolated().whenSuccess { [weak self] result in
                guard let self else { return }
                if let error = result.error {
                    self.reply(.object(["Success": .bool(false), "Error": .string(error)]))
                } else {
                    self.reply(
                        .object([
                            "Success": .bool(true),
                            "From": .string(result.from),
                            "Time": .int(result.elapsed.nanosecondsValue),
                            "TimeStr": .string(GoDuration.format(result.elapsed)),
                        ])
                    )
                }
                done()
            }
        }
    }

    private func traceroute(_ args: ControlCommand.Arguments) throws {
        let node = try target(args, command: "traceroute")
        runAsync { done in
            var hops: [String: JSONValue] = [:]
            func probe(_ hop: UInt8) {
                context.core.ping(node, hopsToLive: hop).assumeIsolated().whenSuccess { [weak self] result in
                    guard let self else { return }
                    var entry: [String: JSONValue] = [
                        "From": .string(result.from),
                        "Time": .int(result.elapsed.nanosecondsValue),
                        "TimeStr": .string(GoDuration.format(result.elapsed)),
                    ]
                    let expired = result.error == Unreachable.Problem.expired.description
                    if let error = result.error, !expired { entry["Error"] = .string(error) }
                    hops[String(hop)] = .object(entry)
                    if expired && hop < MeshMessage.defaultHopsToLive {
                        probe(hop + 1)
                    } else {
                        self.reply(.object(hops))
                        done()
                    }
                }
            }
            probe(0)
        }
    }

    // MARK: connect

    private func connect(_ args: ControlCommand.Arguments) throws {
        let node: String
        let service: String
        var tlsName = ""
        switch args {
        case .text(let t):
            let tokens = t.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            if tokens.count < 2 || t.isEmpty { throw ControlReplyError("no connect target") }
            if tokens.count > 3 { throw ControlReplyError("too many parameters") }
            node = tokens[0]
            service = tokens[1]
            if tokens.count == 3 { tlsName = tokens[2] }
        case .json(let f):
            guard let n = f["node"] else { throw ControlReplyError("no connect target node") }
            guard case .string(let ns) = n else { throw ControlReplyError("connect target node must be string") }
            guard let s = f["service"] else { throw ControlReplyError("no connect target service") }
            guard case .string(let ss) = s else { throw ControlReplyError("connect target service must be string") }
            node = ns
            service = ss
            if let t = f["tls"] {
                guard case .string(let ts) = t else { throw ControlReplyError("connect tls name must be string") }
                tlsName = ts
            }
        }
        if let problem = MeshName.nodeIDProblem(node) { throw ControlReplyError("connect target: \(problem)") }
        if let problem = MeshName.serviceNameProblem(service) { throw ControlReplyError("connect target: \(problem)") }
        var tls: TLSSetup?
        if !tlsName.isEmpty {
            guard let setup = context.tls.clients[tlsName] else { throw ControlReplyError("unknown TLS config \(tlsName)") }
            tls = setup
        }
        let core = context.core
        let target = node.lowercased() == "localhost" ? core.localNode : node
        let logger = self.logger
        runAsync { done in
            MeshDialer.dial(core: core, node: target, service: service, tls: tls, logger: logger) { [weak self] result in
                guard let self else { return }
                switch result {
                case .failure(let error):
                    self.replyError("\(error)")
                    done()
                case .success(let remote):
                    guard !self.closed else {
                        remote.close(error: "client went away")
                        return
                    }
                    self.writeLine("Connecting")
                    self.handedOff = true
                    let leftover = self.inbound
                    self.inbound = ByteBuffer()
                    if leftover.readableBytes > 0 { remote.write(leftover) }
                    let inputWasClosed = self.inputClosed
                    self.selfReference = nil
                    StreamBridge(self.duplex, remote)
                    if inputWasClosed { remote.closeWrite() }
                    done()
                }
            }
        }
    }

    // MARK: reload

    private func reload() {
        runAsync { done in
            context.reload().assumeIsolated().whenComplete { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(nil):
                    self.reply(.object(["Success": .bool(true)]))
                case .success(.some(let error)):
                    self.reply(.object(["Success": .bool(false), "Error": .string(error)]))
                case .failure(let error):
                    self.reply(.object(["Success": .bool(false), "Error": .string("\(error) ERRORCODE 4")]))
                }
                done()
            }
        }
    }

    // MARK: work

    private func work(_ args: ControlCommand.Arguments) throws {
        guard let handler = context.workHandler else {
            let sub: String
            switch args {
            case .text(let t):
                sub = String(t.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false).first ?? "").lowercased()
            case .json(let f):
                sub = (f["subcommand"]?.stringValue ?? "").lowercased()
            }
            let known = ["submit", "list", "status", "results", "cancel", "release", "force-release"]
            guard known.contains(sub) else { throw ControlReplyError("bad command") }
            throw ControlReplyError("work units are not supported by this receptord")
        }
        runAsync { done in
            let e = ControlExchange(session: self, trusted: trusted, localNode: context.core.localNode)
            exchange = e
            exchangeDone = done
            let arguments: ControlArguments
            switch args {
            case .text(let t): arguments = .text(t)
            case .json(let f): arguments = .json(f)
            }
            handler.work(arguments, exchange: e)
        }
    }
}

extension Duration {
    var nanosecondsValue: Int64 {
        let (s, a) = components
        return s * 1_000_000_000 + a / 1_000_000_000
    }
}
