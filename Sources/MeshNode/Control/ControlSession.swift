import Logging
import MeshConfig
import MeshProtocol
import NIOCore

/// One control-service session (unix socket, TCP, TLS or mesh stream), speaking receptor's protocol:
/// a greeting, then command lines (plain or JSON), each answered by one line, many per connection.
/// It is the last handler of its channel's pipeline (a socket's, or a ``MeshStreamChannel``'s).
///
/// Input is consumed line by line; bytes after a command line stay buffered for the command that
/// owns them (`connect` hands them to the other end). While an asynchronous command (ping,
/// traceroute, connect) runs, the session holds back the channel's `read()`, so a client cannot
/// make us buffer without bound: at most what one read delivers waits in `inbound`.
///
/// What it needs from the node comes through ``ControlServices`` (``ControlContext`` in the daemon),
/// so it can be tested on an `EmbeddedChannel` with a fake.
final class ControlSession: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var channelContext: ChannelHandlerContext?
    private let context: any ControlServices
    /// Unix-socket sessions skip work-signature checks (receptor's rule).
    let trusted: Bool
    private var inbound = ByteBuffer()
    private let reader = ControlLineReader()
    private var busy = false
    private var inputClosed = false
    private var handedOff = false
    private var closed = false
    private var started = false
    /// Whether the session wants input now; a `read()` while it does not is held in `readPending`.
    private var reading = true
    private var readPending = false
    private let logger: Logger
    /// The exchange of a `work` command in progress, if any.
    private var exchange: ControlExchange?
    /// Where payload bytes go while a command reads one (`work submit`).
    private var payloadSink: (chunk: (ByteBuffer) -> Void, end: () -> Void)?

    init(context: any ControlServices, trusted: Bool, logger: Logger) {
        self.context = context
        self.trusted = trusted
        self.logger = logger
    }

    /// Sends the greeting once the channel is active.
    private func start() {
        guard !started else { return }
        started = true
        writeLine("Receptor Control, node \(context.localNode)")
    }

    // MARK: channel events

    func handlerAdded(context: ChannelHandlerContext) {
        channelContext = context
        if context.channel.isActive { start() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        channelContext = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let sink = payloadSink {
            sink.chunk(buffer)
            return
        }
        var b = buffer
        inbound.writeBuffer(&b)
        processInput()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let e = event as? ChannelEvent, e == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        inputClosed = true
        if let sink = payloadSink {
            payloadSink = nil
            sink.end()
            return
        }
        processInput()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        if let e = exchange {
            exchange = nil
            e.onClosed?()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A mesh reset closes the channel by itself.
        if TLSShutdown.isUnclean(error) || error is MeshStreamError { return }
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { exchange?.onWritable?() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if reading {
            context.read()
        } else {
            readPending = true
        }
    }

    private func setReading(_ on: Bool) {
        reading = on
        guard on, readPending, let channelContext else { return }
        readPending = false
        channelContext.read()
    }

    // MARK: work commands (ControlExchange support)

    var isWritable: Bool { channelContext?.channel.isWritable ?? false }

    func write(_ buffer: ByteBuffer) {
        guard !closed, !handedOff, let channelContext else { return }
        channelContext.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
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
        setReading(true)
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
        channelContext?.closeAfterPendingWrites()
    }

    private func writeLine(_ text: String) {
        var b = ByteBuffer()
        b.reserveCapacity(text.utf8.count + 1)
        b.writeString(text)
        b.writeInteger(UInt8(ascii: "\n"))
        write(b)
    }

    private func reply(_ value: JSONValue) { writeLine(value.text) }
    private func replyError(_ message: String) { writeLine("ERROR: \(message)") }

    /// Runs an asynchronous command: input is paused until `body` calls its completion.
    private func runAsync(_ body: (@escaping () -> Void) -> Void) {
        busy = true
        setReading(false)
        body { [weak self] in
            guard let self else { return }
            self.busy = false
            if !self.closed && !self.handedOff {
                self.setReading(true)
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
        context.countControlCommand(command.name)
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
        let full = context.statusReport(fields: requested.map(Set.init))
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
            context.ping(node, hopsToLive: MeshMessage.defaultHopsToLive).assumeIsolated().whenSuccess { [weak self] result in
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
                context.ping(node, hopsToLive: hop).assumeIsolated().whenSuccess { [weak self] result in
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
            guard let setup = context.tlsClient(named: tlsName) else { throw ControlReplyError("unknown TLS config \(tlsName)") }
            tls = setup
        }
        let services = context
        let target = node.lowercased() == "localhost" ? services.localNode : node
        let logger = self.logger
        runAsync { done in
            let remoteGlue = GlueHandler()
            services.dial(node: target, service: service, tls: tls, logger: logger) { channel in
                try channel.pipeline.syncOperations.addHandler(remoteGlue)
            }.assumeIsolated().whenComplete { result in
                // The session is held here on purpose: a client that hung up while we dialled is
                // gone from the pipeline, and a stream opened for it must still be reset below
                // (with a weak reference it was left open, forever).
                switch result {
                case .failure(let error):
                    self.replyError("\(error)")
                    done()
                case .success(let remote):
                    guard !self.closed, let channelContext = self.channelContext else {
                        remote.triggerUserOutboundEvent(MeshStreamReset(reason: "client went away"), promise: nil)
                        return
                    }
                    self.writeLine("Connecting")
                    self.handOver(channelContext, to: remote, glue: remoteGlue)
                    done()
                }
            }
        }
    }

    /// `connect` succeeded: the session leaves the pipeline and a glue joins the client's
    /// channel with the stream. Bytes the client sent after the command line go first; an end of
    /// input already seen is passed on.
    private func handOver(_ channelContext: ChannelHandlerContext, to remote: MeshStreamChannel, glue remoteGlue: GlueHandler) {
        handedOff = true
        let leftover = inbound
        inbound = ByteBuffer()
        if leftover.readableBytes > 0 { remote.writeAndFlush(leftover, promise: nil) }
        if inputClosed { remote.close(mode: .output, promise: nil) }
        let channel = channelContext.channel
        let localGlue = GlueHandler()
        do {
            try channel.pipeline.syncOperations.addHandler(localGlue, position: .after(self))
            channel.pipeline.syncOperations.removeHandler(context: channelContext, promise: nil)
        } catch {
            logger.error("connect: could not join the session with the stream: \(error)")
            remote.triggerUserOutboundEvent(MeshStreamReset(reason: "internal error"), promise: nil)
            channel.close(promise: nil)
            return
        }
        GlueHandler.connect(localGlue, remoteGlue)
        // The session held back the channel's read while dialling: the glue makes it now.
        if !inputClosed { channel.read() }
    }

    // MARK: reload

    private func reload() {
        runAsync { done in
            context.reloadConfiguration().assumeIsolated().whenComplete { [weak self] result in
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
            let e = ControlExchange(session: self, trusted: trusted, localNode: context.localNode)
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
