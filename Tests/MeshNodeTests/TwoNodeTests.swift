import Foundation
import MeshConfig
import MeshProtocol
import NIOCore
import NIOPosix
import Testing

@testable import MeshNode

/// Collects lines from a mesh stream; completes `promise` once `wanted` lines have arrived.
private final class StreamLineCollector: MeshStreamDelegate {
    private var buffer = ByteBuffer()
    private var lines: [String] = []
    private let wanted: Int
    private let promise: EventLoopPromise<[String]>
    private var done = false

    init(wanted: Int, promise: EventLoopPromise<[String]>) {
        self.wanted = wanted
        self.promise = promise
    }

    func streamReceived(_ received: ByteBuffer) {
        var received = received
        buffer.writeBuffer(&received)
        let reader = ControlLineReader()
        while case .line(let line) = reader.nextLine(from: &buffer) {
            lines.append(line)
            if lines.count == wanted, !done {
                done = true
                promise.succeed(lines)
            }
        }
    }

    func streamInputClosed() {}

    func streamClosed(error: String?) {
        if !done {
            done = true
            promise.fail(TestTimeout(what: "lines (stream closed: \(error ?? "normally"), got \(lines))"))
        }
    }

    func streamWritabilityChanged(_ writable: Bool) {}
}

/// Collects lines from a socket; completes `promise` once `wanted` lines have arrived.
private final class SocketLineCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private var buffer = ByteBuffer()
    private var lines: [String] = []
    private let wanted: Int
    private let promise: EventLoopPromise<[String]>

    init(wanted: Int, promise: EventLoopPromise<[String]>) {
        self.wanted = wanted
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var received = unwrapInboundIn(data)
        buffer.writeBuffer(&received)
        let reader = ControlLineReader()
        while case .line(let line) = reader.nextLine(from: &buffer) {
            lines.append(line)
            if lines.count == wanted { promise.succeed(lines) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(TestTimeout(what: "lines (connection closed, got \(lines))"))
        context.fireChannelInactive()
    }
}

extension JSONValue {
    fileprivate var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }
}

/// Two real daemons on one event loop, linked over loopback TCP.
@Suite("Two nodes over TCP")
struct TwoNodeTests {
    private static func makeDaemon(yaml: String, loop: any EventLoop) async throws -> NIOLoopBound<MeshDaemon> {
        let config = try ConfigLoader.parse(yaml: yaml)
        return try await loop.submit {
            NIOLoopBound(
                try MeshDaemon.make(config: config, configPath: nil, version: "test", loop: loop, logger: quietLogger),
                eventLoop: loop
            )
        }.get()
    }

    /// Polls `condition` on the loop until it holds.
    private static func eventually(
        _ what: String,
        within limit: Duration = .seconds(5),
        on loop: any EventLoop,
        _ condition: @escaping @Sendable () -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            if try await loop.submit(condition).get() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestTimeout(what: what)
    }

    /// Sends `line` to a control socket and returns the first `wanted` lines of the conversation.
    private static func controlSocket(path: String, send line: String, wanted: Int, group: any EventLoopGroup) async throws
        -> [String]
    {
        let loop = group.next()
        let promise = loop.makePromise(of: [String].self)
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SocketLineCollector(wanted: wanted, promise: promise))
                }
            }
            .connect(unixDomainSocketPath: path)
            .get()
        try await channel.writeAndFlush(ByteBuffer(string: line)).get()
        let lines = try await promise.futureResult.get(within: .seconds(5), "control socket reply")
        try await channel.close()
        return lines
    }

    @Test("link up, ping, a stream to the peer's control service, status, and link down", .timeLimit(.minutes(1)))
    func twoNodes() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let directory = try makeTemporaryDirectory()
        do {
            try await Self.exercise(loop: group.next(), group: group, directory: directory)
        } catch {
            try? await group.shutdownGracefully()
            removeTemporaryDirectory(directory)
            throw error
        }
        try await group.shutdownGracefully()
        removeTemporaryDirectory(directory)
    }

    private static func exercise(loop: any EventLoop, group: any EventLoopGroup, directory: String) async throws {
        let a = try await makeDaemon(
            yaml: """
                - node:
                    id: A
                    datadir: \(directory)/data
                - tcp-listener:
                    port: 0
                    bindaddr: 127.0.0.1
                - control-service:
                    service: control
                    filename: \(directory)/a.sock
                """,
            loop: loop
        )
        // Daemons to stop if the test fails half way.
        var running: [NIOLoopBound<MeshDaemon>] = []
        do {
            running.append(a)
            try await loop.flatSubmit { a.value.start() }.get(within: .seconds(5), "A to start")
            let ports = try await loop.submit { a.value.listenerPorts }.get()
            let port = try #require(ports.first)
            #expect(port > 0)

            let b = try await makeDaemon(
                yaml: """
                    - node:
                        id: B
                        datadir: \(directory)/data
                    - tcp-peer:
                        address: 127.0.0.1:\(port)
                    - control-service:
                        service: control
                        filename: \(directory)/b.sock
                    """,
                loop: loop
            )
            running.append(b)
            try await loop.flatSubmit { b.value.start() }.get(within: .seconds(5), "B to start")

            // Link up at once (routes through a direct neighbour need no advertisement)...
            try await eventually("A to route to B", on: loop) { a.value.core.routingTable["B"] == "B" }
            try await eventually("B to route to A", on: loop) { b.value.core.routingTable["A"] == "A" }
            // ...and advertisements flooded after the coalescing delay.
            try await eventually("A to store B's advertisement", on: loop) {
                a.value.core.knownConnectionCosts["B"] == ["A": 1]
                    && a.value.core.advertisements.contains { $0.origin == "B" && !$0.services.isEmpty }
            }
            try await eventually("B to store A's advertisement", on: loop) {
                b.value.core.knownConnectionCosts["A"] == ["B": 1]
                    && b.value.core.advertisements.contains { $0.origin == "A" && !$0.services.isEmpty }
            }

            // Ping across the link.
            let ping = try await loop.flatSubmit { a.value.core.ping("B") }.get(within: .seconds(5), "ping")
            #expect(ping.error == nil)
            #expect(ping.from == "B")
            #expect(ping.elapsed > .zero)

            // A mesh stream to B's control service: greeting, then a JSON command and its reply.
            let streamLines = try await loop.flatSubmit {
                let promise = loop.makePromise(of: [String].self)
                return a.value.core.streams.open(node: "B", service: "control").assumeIsolated().flatMap { stream in
                    let collector = StreamLineCollector(wanted: 2, promise: promise)
                    stream.delegate = collector
                    stream.write(ByteBuffer(string: #"{"command":"status","requested_fields":["NodeID"]}"# + "\n"))
                    return promise.futureResult.assumeIsolated().map { lines in
                        withExtendedLifetime(collector) { stream.close(error: nil) }
                        return lines
                    }.nonisolated()
                }.nonisolated()
            }.get(within: .seconds(10), "lines from B's control service")
            #expect(streamLines == ["Receptor Control, node B", #"{"NodeID":"B"}"#])

            // A's unix control socket: greeting, then status with receptor's eight keys.
            let lines = try await controlSocket(path: "\(directory)/a.sock", send: "status\n", wanted: 2, group: group)
            try #require(lines.count == 2)
            #expect(lines[0] == "Receptor Control, node A")
            let status = try JSONParser.parse(lines[1])
            guard case .object(let fields) = status else {
                Issue.record("status is not an object: \(lines[1])")
                return
            }
            #expect(
                Set(fields.keys) == [
                    "NodeID", "Version", "SystemCPUCount", "SystemMemoryMiB", "Connections", "RoutingTable",
                    "KnownConnectionCosts", "Advertisements",
                ]
            )
            #expect(fields["NodeID"] == .string("A"))
            #expect(fields["Version"] == .string("test"))
            #expect(fields["Connections"] == .array([.object(["NodeID": .string("B"), "Cost": .int(1)])]))
            #expect(fields["RoutingTable"] == .object(["B": .string("B")]))
            if case .array(let ads) = fields["Advertisements"] {
                let controlOfB = ads.first {
                    guard case .object(let o) = $0 else { return false }
                    return o["NodeID"] == .string("B") && o["Service"] == .string("control")
                }
                guard case .object(let o) = controlOfB else {
                    Issue.record("no advertisement of B's control service in \(lines[1])")
                    return
                }
                #expect(o["ConnType"] == .int(1))
                #expect(o["Tags"] == .object(["type": .string("Control Service")]))
                #expect(o["WorkCommands"] == .null)
                #expect(ads.contains { $0.objectValue?["NodeID"] == .string("A") && $0.objectValue?["Service"] == .string("control") })
            } else {
                Issue.record("Advertisements is not an array")
            }

            // B goes away: A loses the link and the route at once (the TCP connection closes).
            running.removeLast()
            // Waits for stop()'s future (it completes once B's link channels have closed); by then
            // B has let go of every link.
            try await loop.flatSubmit { b.value.stop() }.get()
            #expect(try await loop.submit { b.value.core.connections.isEmpty }.get())
            try await eventually("A to drop the route to B", within: .seconds(2), on: loop) {
                a.value.core.routingTable["B"] == nil && a.value.core.connections.isEmpty
            }
        } catch {
            for d in running { try? await loop.flatSubmit { d.value.stop() }.get() }
            throw error
        }
        try await loop.flatSubmit { a.value.stop() }.get()
    }
}
