import Foundation
import MeshProtocol
import NIOCore
import NIOEmbedded
import Testing

@testable import WorkUnits

/// A remote node's control service as remote units see it: a greeting, then replies to `work`
/// commands, recorded for the test to check. Replies are receptor's texts.
final class FakeRemoteNode {
    let nodeID: String
    /// Whether streams to the node open (false: "no route").
    var reachable = true
    /// The greeting line; nil sends none (a TLS mismatch looks like that).
    var greeting: String?
    /// The ID the node gives a submitted unit.
    var unitID = "Rem0te01"
    /// The line after a submit's payload.
    var submitAnswer: String
    /// The reply to `work status`.
    var statusReply: String
    /// The unit's output, for `work results`.
    var output: [UInt8] = []
    /// Replies that replace the usual ones, by subcommand (`submit` replaces the first line).
    var override: [String: String] = [:]
    /// Every command line received, in order.
    private(set) var commands: [String] = []
    /// Every payload received (complete ones: the client half-closed after it).
    private(set) var payloads: [[UInt8]] = []
    /// The payload of a submit still being uploaded.
    fileprivate(set) var uploading: [UInt8]?

    init(nodeID: String) {
        self.nodeID = nodeID
        greeting = "Receptor Control, node \(nodeID)"
        submitAnswer = #"{"result":"Job Started","unitid":"Rem0te01"}"#
        statusReply = #"{"Detail":"Running","ExtraData":null,"State":1,"StateName":"Running","StdoutSize":0,"WorkType":"echo"}"#
    }

    /// The commands received as JSON objects (text commands are left out).
    var jsonCommands: [[String: JSONValue]] {
        commands.compactMap { line in
            guard case .object(let o)? = try? JSONParser.parse(line) else { return nil }
            return o
        }
    }

    fileprivate func received(_ line: String) { commands.append(line) }
    fileprivate func finishedUpload(_ bytes: [UInt8]) { payloads.append(bytes) }
}

/// The far end of one stream: it parses what the client writes and answers as ``FakeRemoteNode``
/// says. Answers are delivered from the event loop (as a real stream's would be), never inside the
/// client's write.
final class FakeControlService: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private let remote: FakeRemoteNode
    private var context: ChannelHandlerContext?
    private var pending = ByteBuffer()

    init(remote: FakeRemoteNode) {
        self.remote = remote
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func greet() {
        if let greeting = remote.greeting { send(greeting) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var bytes = unwrapOutboundIn(data)
        promise?.succeed(())
        if remote.uploading != nil {
            remote.uploading? += bytes.readableBytesView
            return
        }
        pending.writeBuffer(&bytes)
        while remote.uploading == nil, let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let line = pending.readString(length: newline - pending.readerIndex) ?? ""
            pending.moveReaderIndex(forwardBy: 1)
            handle(line)
        }
        if remote.uploading != nil, pending.readableBytes > 0 {
            remote.uploading? += pending.readableBytesView
            pending.clear()
        }
    }

    func flush(context: ChannelHandlerContext) {}

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .output else { return context.close(mode: mode, promise: promise) }
        promise?.succeed(())
        // The client's EOF: the end of a submit's payload.
        guard let payload = remote.uploading else { return }
        remote.uploading = nil
        remote.finishedUpload(payload)
        send(remote.submitAnswer)
        later { $0.close(promise: nil) }
    }

    private func handle(_ line: String) {
        remote.received(line)
        guard case .object(let o)? = try? JSONParser.parse(line) else {
            if line.hasPrefix("work status ") { send(remote.override["status"] ?? remote.statusReply) } else { send("ERROR: unknown command") }
            return
        }
        let sub = o["subcommand"]?.stringValue ?? ""
        switch sub {
        case "submit":
            if let reply = remote.override["submit"] {
                send(reply)
                return
            }
            send("Work unit created with ID \(remote.unitID). Send stdin data and EOF.")
            remote.uploading = []
        case "results":
            if let reply = remote.override["results"] {
                send(reply)
                return
            }
            var start = 0
            if case .int(let s)? = o["startpos"] { start = Int(s) }
            send("Streaming results for work unit \(remote.unitID)")
            let rest = Array(remote.output.dropFirst(start))
            if !rest.isEmpty { deliver(ByteBuffer(bytes: rest)) }
            later { $0.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
            later { $0.close(promise: nil) }
        case "cancel", "release":
            let key = sub == "cancel" ? "cancelled" : "released"
            send(remote.override[sub] ?? #"{"\#(key)":"\#(o["unitid"]?.stringValue ?? "")"}"#)
        default:
            send("ERROR: unknown subcommand \(sub)")
        }
    }

    private func send(_ line: String) { deliver(ByteBuffer(string: line + "\n")) }

    private func deliver(_ buffer: ByteBuffer) {
        later { context in context.fireChannelRead(NIOAny(buffer)) }
    }

    private func later(_ body: @escaping (ChannelHandlerContext) -> Void) {
        guard let context else { return }
        context.eventLoop.assumeIsolated().execute { [weak self] in
            guard let self, let context = self.context, context.channel.isActive else { return }
            body(context)
        }
    }
}

struct FakeMeshError: Error, CustomStringConvertible {
    var description: String
}

/// The mesh as remote units see it: each stream to the fake node is an `EmbeddedChannel` whose far
/// end is a ``FakeControlService``; everything runs on one `EmbeddedEventLoop`.
final class FakeMesh: MeshStreamOpener {
    let embedded = EmbeddedEventLoop()
    var eventLoop: any EventLoop { embedded }
    let remote: FakeRemoteNode
    var tlsClients: Set<String> = []
    /// Every stream asked for: (node, service, tls-client).
    private(set) var opened: [(node: String, service: String, tlsClient: String?)] = []
    private var channels: [EmbeddedChannel] = []

    init(remoteNode: String = "nodeB") {
        remote = FakeRemoteNode(nodeID: remoteNode)
    }

    func openStream(
        to node: String,
        service: String,
        tlsClient: String?,
        initializer: @escaping (any Channel) throws -> Void,
        completion: @escaping (Result<any Channel, any Error>) -> Void
    ) {
        opened.append((node, service, tlsClient))
        guard remote.reachable, node == remote.nodeID, service == "control" else {
            return completion(.failure(FakeMeshError(description: "no route to node \(node)")))
        }
        let channel = EmbeddedChannel(loop: embedded)
        let far = FakeControlService(remote: remote)
        do {
            try channel.pipeline.syncOperations.addHandler(far)
            try initializer(channel)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        } catch {
            return completion(.failure(error))
        }
        channels.append(channel)
        completion(.success(channel))
        far.greet()
    }

    func hasTLSClient(_ name: String) -> Bool { tlsClients.contains(name) }

    /// Streams still open.
    var openChannels: Int { channels.filter(\.isActive).count }

    /// Closes what is left and the loop (an `EmbeddedEventLoop` must not be freed with timers pending).
    func shutdown() {
        for channel in channels where channel.isActive { channel.close(promise: nil) }
        embedded.run()
        #expect(throws: Never.self) { try self.embedded.syncShutdownGracefully() }
    }
}
