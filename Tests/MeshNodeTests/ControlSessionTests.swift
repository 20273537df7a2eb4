import Logging
import MeshConfig
import MeshProtocol
import NIOCore
import NIOEmbedded
import Testing

@testable import MeshNode

/// The node as a control session sees it: fixed answers, and a record of what was asked.
private final class FakeControlServices: ControlServices {
    let loop: EmbeddedEventLoop
    let localNode = "nodeA"
    var report: [String: JSONValue] = ["NodeID": .string("nodeA"), "SystemCPUCount": .int(2)]
    private(set) var counted: [String] = []
    private(set) var reportFields: [Set<String>?] = []
    /// Pings: (target, hops) asked, and a promise per ping for the test to complete.
    private(set) var pings: [(target: String, hops: UInt8, promise: EventLoopPromise<MeshCore.PingResult>)] = []
    private(set) var dials: [(node: String, service: String)] = []
    var reloadResult: Result<String?, any Error> = .success(nil)
    var workHandler: (any WorkCommandHandler)?

    init(loop: EmbeddedEventLoop) {
        self.loop = loop
    }

    func countControlCommand(_ name: String) { counted.append(name) }

    func statusReport(fields: Set<String>?) -> [String: JSONValue] {
        reportFields.append(fields)
        return report
    }

    func ping(_ target: String, hopsToLive: UInt8) -> EventLoopFuture<MeshCore.PingResult> {
        let promise = loop.makePromise(of: MeshCore.PingResult.self)
        pings.append((target, hopsToLive, promise))
        return promise.futureResult
    }

    func tlsClient(named name: String) -> TLSSetup? { nil }

    func dial(
        node: String,
        service: String,
        tls: TLSSetup?,
        logger: Logger,
        initializer: @escaping (MeshStreamChannel) throws -> Void
    ) -> EventLoopFuture<MeshStreamChannel> {
        dials.append((node, service))
        return loop.makeFailedFuture(MeshStreamError(message: "no route to node \(node)"))
    }

    func reloadConfiguration() -> EventLoopFuture<String?> { loop.makeCompletedFuture(reloadResult) }
}

private struct ReloadFailure: Error, CustomStringConvertible {
    var description: String { "could not read receptor.conf" }
}

/// A `work` handler that answers from a script.
private final class FakeWorkHandler: WorkCommandHandler {
    private(set) var received: [ControlArguments] = []
    private(set) var trusted: [Bool] = []
    var closeSession = false

    func work(_ arguments: ControlArguments, exchange: ControlExchange) {
        received.append(arguments)
        trusted.append(exchange.trusted)
        exchange.reply(.object(["node": .string(exchange.localNode)]))
        if closeSession { exchange.close() } else { exchange.done() }
    }
}

/// A control session on an `EmbeddedChannel`, with the client's side of the conversation.
private final class SessionHarness {
    let loop = EmbeddedEventLoop()
    let services: FakeControlServices
    let channel: EmbeddedChannel
    private var received = ByteBuffer()

    init(trusted: Bool = false) throws {
        services = FakeControlServices(loop: loop)
        channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(
            ControlSession(context: services, trusted: trusted, logger: Logger(label: "control-session-tests"))
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    /// Sends bytes as the client.
    func send(_ text: String) throws {
        try channel.writeInbound(ByteBuffer(string: text))
        loop.run()
    }

    /// The client's end of input.
    func sendEOF() {
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        loop.run()
    }

    /// Every complete line the session has written since the last call.
    func lines() throws -> [String] {
        loop.run()
        while var b = try channel.readOutbound(as: ByteBuffer.self) { received.writeBuffer(&b) }
        var out: [String] = []
        while let newline = received.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            out.append(received.readString(length: newline - received.readerIndex) ?? "")
            received.moveReaderIndex(forwardBy: 1)
        }
        return out
    }

    /// Sends one command line and returns the lines written in answer.
    func command(_ line: String) throws -> [String] {
        try send(line + "\n")
        return try lines()
    }

    func json(_ line: String) throws -> JSONValue { try JSONParser.parse(line) }

    func finish() {
        if channel.isActive { channel.close(promise: nil) }
        loop.run()
        #expect(throws: Never.self) { try self.loop.syncShutdownGracefully() }
    }
}

@Suite("Control sessions on an EmbeddedChannel")
struct ControlSessionTests {
    @Test("the greeting names the node; empty lines are ignored; commands are counted")
    func greetingAndCounting() throws {
        let h = try SessionHarness()
        defer { h.finish() }
        #expect(try h.lines() == ["Receptor Control, node nodeA"])
        #expect(try h.command("").isEmpty)
        _ = try h.command("status")
        _ = try h.command("frobnicate")
        #expect(h.services.counted == ["status", "frobnicate"])
        #expect(h.channel.isActive)
    }

    @Test("status: the whole report, or only the requested fields")
    func status() throws {
        let h = try SessionHarness()
        defer { h.finish() }
        _ = try h.lines()
        let all = try h.command("status")
        #expect(all.count == 1)
        #expect(try h.json(all[0]) == .object(h.services.report))
        let some = try h.command(#"{"command":"status","requested_fields":["NodeID","Nope"]}"#)
        #expect(try h.json(some[0]) == .object(["NodeID": .string("nodeA")]))
        #expect(h.services.reportFields == [nil, ["NodeID", "Nope"]])
    }

    @Test("bad input is answered with receptor's ERROR lines and the session goes on")
    func badInput() throws {
        let h = try SessionHarness()
        defer { h.finish() }
        _ = try h.lines()
        #expect(try h.command("frobnicate now") == ["ERROR: Unknown command"])
        #expect(try h.command("status extra") == ["ERROR: status command does not take parameters"])
        #expect(try h.command(#"{"command":"status","requested_fields":"NodeID"}"#) == ["ERROR: requested_fields must be a list of strings"])
        #expect(try h.command(#"{"command":"status","requested_fields":[1]}"#) == ["ERROR: each element of requested_fields must be a string"])
        #expect(try h.command("ping") == ["ERROR: no ping target"])
        #expect(try h.command(#"{"command":"ping","target":5}"#) == ["ERROR: ping target must be string"])
        #expect(try h.command("traceroute") == ["ERROR: no traceroute target"])
        #expect(try h.command("connect nodeB") == ["ERROR: no connect target"])
        #expect(try h.command("connect nodeB control tls extra") == ["ERROR: too many parameters"])
        #expect(try h.command("connect nodeB control nosuchtls") == ["ERROR: unknown TLS config nosuchtls"])
        #expect(try h.command(#"{"command":"connect","service":"control"}"#) == ["ERROR: no connect target node"])
        #expect(try h.command(#"{"command":"connect","node":"nodeB","service":7}"#) == ["ERROR: connect target service must be string"])
        #expect(try h.command(#"{"node":"nodeB"}"#) == ["ERROR: JSON did not contain a command"])
        #expect(try h.command(#"{"command":5}"#) == ["ERROR: command must be a string"])
        let badJSON = #"{"command":"status""#
        guard case .failure(let parseError) = ControlCommand.parse(badJSON) else {
            Issue.record("the truncated JSON line parsed")
            return
        }
        #expect(try h.command(badJSON) == ["ERROR: \(parseError.message)"])
        #expect(h.services.pings.isEmpty, "no bad command reached the node")
        #expect(h.services.dials.isEmpty)
        #expect(try h.command("status").count == 1, "still serving")
        #expect(h.channel.isActive)
    }

    @Test("a node ID the mesh would refuse is an error, with MeshName's reason")
    func badNodeName() throws {
        let h = try SessionHarness()
        defer { h.finish() }
        _ = try h.lines()
        let name = String(repeating: "n", count: 300)
        let problem = try #require(MeshName.nodeIDProblem(name))
        #expect(try h.command("ping \(name)") == ["ERROR: ping target: \(problem)"])
    }

    @Test("a line too long ends the session after its ERROR line")
    func lineTooLong() throws {
        let h = try SessionHarness()
        defer { h.finish() }
        _ = try h.lines()
        try h.send(String(repeating: "x", count: (1 << 20) + 2))
        #expect(try h.lines() == ["ERROR: command line too long"])
        #expect(!h.channel.isActive)
    }

    @Test("ping holds the next command until it is answered, and replies in order")
    func pingPausesInput() throws {
        let h = try SessionHarness()
        defer { h.finish() }
        _ = try h.lines()
        try h.send("ping nodeB\nstatus\n")
        #expect(try h.lines().isEmpty, "nothing until the ping is answered")
        #expect(h.services.pings.map(\.target) == ["nodeB"])
        #expect(h.services.pings.first?.hops == MeshMessage.defaultHopsToLive)
        h.services.pings[0].promise.succeed(.init(from: "nodeB", elapsed: .milliseconds(3), error: nil))
        let answers = try h.lines()
        #expect(answers.count == 2)
        #expect(
            try h.json(answers[0])
                == .object(["Success": .bool(true), "From": .string("nodeB"), "Time": .int(3_000_000), "TimeStr": .string("3ms")])
        )
        #expect(try h.json(answers[1]) == .object(h.services.report))
        _ = try h.command(#"{"command":"ping","target":"nodeC"}"#)
        h.services.pings[1].promise.succeed(.init(from: "nodeA", elapsed: .seconds(10), error: "timeout"))
        #expect(try h.lines().map(h.json) == [.object(["Success": .bool(false), "Error": .string("timeout")])])
    }

    @Test("traceroute probes hop by hop until the target answers")
    func traceroute() throws {
        let h = try SessionHarness()
        defer { h.finish() }
        _ = try h.lines()
        try h.send("traceroute nodeC\n")
        let expired = Unreachable.Problem.expired.description
        h.services.pings[0].promise.succeed(.init(from: "nodeA", elapsed: .milliseconds(1), error: expired))
        h.loop.run()
        h.services.pings[1].promise.succeed(.init(from: "nodeB", elapsed: .milliseconds(2), error: expired))
        h.loop.run()
        h.services.pings[2].promise.succeed(.init(from: "nodeC", elapsed: .milliseconds(4), error: nil))
        #expect(h.services.pings.map(\.hops) == [0, 1, 2])
        let answer = try h.lines()
        #expect(answer.count == 1)
        func hop(_ from: String, _ ms: Int64) -> JSONValue {
            .object(["From": .string(from), "Time": .int(ms * 1_000_000), "TimeStr": .string("\(ms)ms")])
        }
        #expect(try h.json(answer[0]) == .object(["0": hop("nodeA", 1), "1": hop("nodeB", 2), "2": hop("nodeC", 4)]))
    }

    @Test("connect: a stream that cannot be opened is an ERROR line, localhost means this node")
    func connectFails() throws {
        let h = try SessionHarness()
        defer { h.finish() }
        _ = try h.lines()
        #expect(try h.command("connect localhost control") == ["ERROR: no route to node nodeA"])
        #expect(h.services.dials.map(\.node) == ["nodeA"])
        #expect(h.services.dials.map(\.service) == ["control"])
        #expect(h.channel.isActive)
    }

    @Test("reload: success, a configuration error, and a failure to reload")
    func reload() throws {
        let h = try SessionHarness()
        defer { h.finish() }
        _ = try h.lines()
        #expect(try h.command("reload").map(h.json) == [.object(["Success": .bool(true)])])
        h.services.reloadResult = .success("unknown config item foo ERRORCODE 1")
        #expect(
            try h.command("reload").map(h.json) == [.object(["Success": .bool(false), "Error": .string("unknown config item foo ERRORCODE 1")])]
        )
        h.services.reloadResult = .failure(ReloadFailure())
        #expect(
            try h.command("reload").map(h.json) == [.object(["Success": .bool(false), "Error": .string("could not read receptor.conf ERRORCODE 4")])]
        )
    }

    @Test("work without a work handler: known subcommands are unsupported, others a bad command")
    func workWithoutHandler() throws {
        let h = try SessionHarness()
        defer { h.finish() }
        _ = try h.lines()
        #expect(try h.command("work list") == ["ERROR: work units are not supported by this receptord"])
        #expect(try h.command(#"{"command":"work","subcommand":"Submit"}"#) == ["ERROR: work units are not supported by this receptord"])
        #expect(try h.command("work frob") == ["ERROR: bad command"])
    }

    @Test("work goes to the handler with the session's trust; done reads the next line, close ends the session")
    func workHandler() throws {
        let h = try SessionHarness(trusted: true)
        defer { h.finish() }
        let handler = FakeWorkHandler()
        h.services.workHandler = handler
        _ = try h.lines()
        #expect(try h.command("work list abc") == [#"{"node":"nodeA"}"#])
        #expect(handler.trusted == [true])
        guard case .text(let text)? = handler.received.first else {
            Issue.record("expected text arguments")
            return
        }
        #expect(text == "list abc")
        #expect(try h.command("status").count == 1)
        handler.closeSession = true
        #expect(try h.command(#"{"command":"work","subcommand":"list"}"#) == [#"{"node":"nodeA"}"#])
        guard case .json(let fields)? = handler.received.last else {
            Issue.record("expected JSON arguments")
            return
        }
        #expect(fields["subcommand"] == .string("list"))
        #expect(fields["command"] == nil, "the command word is not an argument")
        #expect(!h.channel.isActive)
    }

    @Test("a last line without a newline is run at the client's EOF, then the session ends")
    func finalLineAtEOF() throws {
        let h = try SessionHarness()
        defer { h.finish() }
        _ = try h.lines()
        try h.send("status")
        #expect(try h.lines().isEmpty)
        h.sendEOF()
        #expect(try h.lines().count == 1)
        #expect(!h.channel.isActive)
    }
}
