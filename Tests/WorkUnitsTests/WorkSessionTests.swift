import Foundation
import Logging
import MeshConfig
import MeshProtocol
import NIOCore
import NIOEmbedded
import Testing

@testable import MeshNode
@testable import WorkUnits

/// The node as a control session sees it, with the work manager under test as the `work` handler.
private final class NodeServices: ControlServices {
    let loop: EmbeddedEventLoop
    let localNode = "nodeA"
    var workHandler: (any WorkCommandHandler)?

    init(loop: EmbeddedEventLoop, workHandler: any WorkCommandHandler) {
        self.loop = loop
        self.workHandler = workHandler
    }

    func countControlCommand(_ name: String) {}
    func statusReport(fields: Set<String>?) -> [String: JSONValue] { [:] }
    func ping(_ target: String, hopsToLive: UInt8) -> EventLoopFuture<MeshCore.PingResult> {
        loop.makeSucceededFuture(.init(from: target, elapsed: .zero, error: "no pings in these tests"))
    }
    func tlsClient(named name: String) -> TLSSetup? { nil }
    func dial(
        node: String,
        service: String,
        tls: TLSSetup?,
        logger: Logger,
        initializer: @escaping (MeshStreamChannel) throws -> Void
    ) -> EventLoopFuture<MeshStreamChannel> {
        loop.makeFailedFuture(MeshStreamError(message: "no streams in these tests"))
    }
    func reloadConfiguration() -> EventLoopFuture<String?> { loop.makeSucceededFuture(nil) }
}

/// One client session with the local control service: a real ``ControlSession`` on an
/// `EmbeddedChannel`, served by the fixture's work manager.
private final class ClientSession {
    let channel: EmbeddedChannel
    private let loop: EmbeddedEventLoop
    private var received = ByteBuffer()

    init(_ fixture: RemoteFixture, trusted: Bool = true) throws {
        loop = fixture.mesh.embedded
        channel = EmbeddedChannel(loop: loop)
        let services = NodeServices(loop: loop, workHandler: fixture.manager)
        try channel.pipeline.syncOperations.addHandler(
            ControlSession(context: services, trusted: trusted, logger: Logger(label: "work-session-tests"))
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        #expect(try lines() == ["Receptor Control, node nodeA"])
    }

    func send(_ text: String) throws {
        try channel.writeInbound(ByteBuffer(string: text))
        loop.run()
    }

    func sendEOF() {
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        loop.run()
    }

    /// Everything written since the last call, as text.
    func text() throws -> String {
        loop.run()
        while var b = try channel.readOutbound(as: ByteBuffer.self) { received.writeBuffer(&b) }
        let all = received.readString(length: received.readableBytes) ?? ""
        return all
    }

    func lines() throws -> [String] {
        let all = try text()
        return all.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    func command(_ line: String) throws -> [String] {
        try send(line + "\n")
        return try lines()
    }

    func close() {
        if channel.isActive { channel.close(promise: nil) }
        loop.run()
    }
}

/// The ID in `Work unit created with ID <id>. Send stdin data and EOF.`
private func createdID(_ line: String?) -> String? {
    guard let line, line.hasPrefix("Work unit created with ID "), line.hasSuffix(". Send stdin data and EOF.") else { return nil }
    return String(line.dropFirst("Work unit created with ID ".count).dropLast(". Send stdin data and EOF.".count))
}

@Suite("Work commands through a control session")
struct WorkSessionTests {
    @Test("submit to an unreachable node with a ttl: Job Submitted, Expiration by the injected clock, then expired")
    func submitUnreachableWithTTL() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        f.remote.reachable = false
        let client = try ClientSession(f)
        defer { client.close() }
        let submitted = f.clock.now
        let created = try client.command(#"{"command":"work","subcommand":"submit","node":"nodeB","worktype":"echo","ttl":"1m","params":"-n"}"#)
        let id = try #require(createdID(created.first))
        try client.send("payload bytes")
        #expect(try client.lines().isEmpty, "no answer before the client's EOF")
        client.sendEOF()
        let answer = try client.lines()
        #expect(answer.map { try? JSONParser.parse($0) } == [.object(["result": .string("Job Submitted"), "unitid": .string(id)])])
        #expect(!client.channel.isActive, "a submit ends the session")
        #expect(try String(contentsOfFile: try f.store.stdinPath(id), encoding: .utf8) == "payload bytes")
        var status = try f.status(id)
        #expect(status.detail == "Waiting for nodeB to be reachable")
        let expiration = try #require(status.extraData.remote?.expiration)
        #expect(expiration == GoTime.rfc3339(submitted.addingTimeInterval(60)))
        #expect(status.extraData.remote?.remoteParams == ["params": "-n"])

        // The loop's time passes but the wall clock does not: still waiting.
        f.advance(.seconds(1))
        #expect(try f.status(id).workState == .pending)
        f.clock.now = submitted.addingTimeInterval(61)
        f.advance(.milliseconds(1_500))
        status = try f.status(id)
        #expect(status.workState == .failed)
        #expect(status.detail == GoTime.expiredDetail(try #require(GoTime.parseRFC3339(expiration))))
    }

    @Test("submit to a reachable node: Job Started; then cancel and release reach the remote unit")
    func submitCancelRelease() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        let submit = try ClientSession(f)
        let id = try #require(createdID(try submit.command("work submit nodeB echo -n hi").first))
        try submit.send("data")
        submit.sendEOF()
        #expect(try submit.lines().map { try? JSONParser.parse($0) } == [.object(["result": .string("Job Started"), "unitid": .string(id)])])
        #expect(f.remote.payloads == [Array("data".utf8)])
        #expect(f.remote.jsonCommands.first?["params"]?.stringValue == "-n hi")
        #expect(try f.status(id).detail == "Running", "mirrored from the remote node")

        let cancel = try ClientSession(f)
        defer { cancel.close() }
        #expect(try cancel.command("work cancel \(id)") == [#"{"cancelled":"\#(id)"}"#])
        #expect(try f.status(id).extraData.remote?.localCancelled == true)
        let release = try ClientSession(f)
        defer { release.close() }
        #expect(try release.command("work release \(id)") == [#"{"released":"\#(id)"}"#])
        #expect(!f.store.exists(id))
        #expect(f.remote.jsonCommands.compactMap { $0["subcommand"]?.stringValue }.filter { $0 != "results" } == ["submit", "cancel", "release"])
        #expect(try release.command("work status \(id)") == ["ERROR: unknown work unit \(id)"])
    }

    @Test("cancel of a remote unit whose node is unreachable is pending, and sent once the node is back")
    func cancelPending() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        let (id, _) = try f.unit(RemoteFixture.extra(started: true))
        try f.store.update(id) { $0.workState = .running }
        f.manager.remoteUnits[id]?.stop()
        f.manager.remoteUnits[id] = nil
        f.remote.reachable = false
        let client = try ClientSession(f)
        defer { client.close() }
        #expect(try client.command(#"{"command":"work","subcommand":"cancel","unitid":"\#(id)"}"#) == [#"{"cancel pending":"\#(id)"}"#])
        #expect(f.remote.commands.isEmpty)
        f.remote.reachable = true
        f.advance(.seconds(1))
        #expect(f.remote.jsonCommands.map { $0["subcommand"]?.stringValue } == ["cancel"])
        #expect(f.manager.remoteUnits[id] == nil)
    }

    @Test("remote submits that cannot go: unknown TLS config, secrets without TLS, a bad ttl")
    func submitRefused() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        let client = try ClientSession(f)
        defer { client.close() }
        #expect(
            try client.command(#"{"command":"work","subcommand":"submit","node":"nodeB","worktype":"echo","tlsclient":"nope"}"#)
                == ["ERROR: unknown TLS config nope"]
        )
        #expect(
            try client.command(#"{"command":"work","subcommand":"submit","node":"nodeB","worktype":"echo","secret_pw":"x"}"#)
                == ["ERROR: cannot send secrets over a non-TLS connection"]
        )
        var parseError = ""
        do {
            _ = try GoDuration.parse("forever")
        } catch {
            parseError = "\(error)"
        }
        #expect(!parseError.isEmpty)
        #expect(
            try client.command(#"{"command":"work","subcommand":"submit","node":"nodeB","worktype":"echo","ttl":"forever"}"#)
                == ["ERROR: \(parseError)"]
        )
        #expect(try f.store.list().isEmpty, "no unit was created")
        #expect(f.mesh.opened.isEmpty)
        #expect(client.channel.isActive, "the session goes on after an ERROR")
    }

    @Test("results of an ended unit: the header, every byte from the offset, then the session closes")
    func results() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        let (id, _) = try f.store.create(workType: "echo", state: .succeeded, detail: "exit status 0")
        try Data("0123456789".utf8).write(to: URL(fileURLWithPath: try f.store.stdoutPath(id)))
        let client = try ClientSession(f)
        defer { client.close() }
        try client.send("work results \(id) 4\n")
        #expect(try client.text() == "Streaming results for work unit \(id)\n456789")
        #expect(!client.channel.isActive)
    }
}
