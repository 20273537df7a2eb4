import Foundation
import MeshConfig
import NIOCore
import NIOPosix
import Testing

@testable import MeshNode

/// Collects the datagrams a test socket receives; `next()` waits for one. Used on its loop only.
private final class DatagramInbox: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private var queued: [AddressedEnvelope<ByteBuffer>] = []
    private var waiting: [EventLoopPromise<AddressedEnvelope<ByteBuffer>>] = []
    private let loop: any EventLoop

    init(loop: any EventLoop) { self.loop = loop }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        if waiting.isEmpty {
            queued.append(envelope)
        } else {
            waiting.removeFirst().succeed(envelope)
        }
    }

    func next() -> EventLoopFuture<AddressedEnvelope<ByteBuffer>> {
        if !queued.isEmpty { return loop.makeSucceededFuture(queued.removeFirst()) }
        let promise = loop.makePromise(of: AddressedEnvelope<ByteBuffer>.self)
        waiting.append(promise)
        return promise.futureResult
    }

    var queuedCount: Int { queued.count }
}

/// A UDP server that answers every datagram with its bytes reversed and records who sent it.
private final class ReversingEcho: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    private(set) var senders: [SocketAddress] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        senders.append(envelope.remoteAddress)
        let reversed = ByteBuffer(bytes: Array(envelope.data.readableBytesView.reversed()))
        context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: reversed)), promise: nil)
    }
}

/// A test UDP socket on 127.0.0.1 with an inbox.
private struct TestSocket: Sendable {
    let channel: any Channel
    let inbox: NIOLoopBound<DatagramInbox>

    static func open(on loop: any EventLoop) async throws -> TestSocket {
        let inbox = try await loop.submit { NIOLoopBound(DatagramInbox(loop: loop), eventLoop: loop) }.get()
        let channel = try await DatagramBootstrap(group: loop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(inbox.value) }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TestSocket(channel: channel, inbox: inbox)
    }

    func send(_ bytes: [UInt8], to address: SocketAddress) async throws {
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes))).get()
    }

    func receive(_ what: String) async throws -> [UInt8] {
        let envelope = try await channel.eventLoop.flatSubmit { inbox.value.next() }.get(within: .seconds(5), what)
        return Array(envelope.data.readableBytesView)
    }

    func queuedCount() async throws -> Int {
        try await channel.eventLoop.submit { inbox.value.queuedCount }.get()
    }
}

/// `udp-server` and `udp-client` on one node (`remotenode: localhost`), over real loopback sockets:
/// round trips, no cross-talk, large datagrams, idle expiry, eviction, and start-up failures.
@Suite("UDP proxies", .serialized)
struct UDPProxyTests {
    private struct Proxies: Sendable {
        let server: NIOLoopBound<UDPServerProxy>
        let client: NIOLoopBound<UDPClientProxy>
    }

    /// The fixture's core, released on its loop before the loop shuts down (a core with armed
    /// timers that is freed after that makes NIO complain).
    private struct CoreRef: Sendable {
        let box: NIOLoopBoundBox<MeshCore?>
        var value: MeshCore { box.value! }
    }

    private struct Fixture: Sendable {
        let group: MultiThreadedEventLoopGroup
        let loop: any EventLoop
        let core: CoreRef
        let echo: any Channel
        let echoHandler: NIOLoopBound<ReversingEcho>
        let directory: String

        var echoPort: Int { echo.localAddress?.port ?? 0 }

        static func make() async throws -> Fixture {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let loop = group.next()
            let directory = try makeTemporaryDirectory()
            let core = try await loop.submit {
                let core = MeshCore(settings: MeshSettings(nodeID: "U", dataDirectory: directory, version: "test"), loop: loop, logger: quietLogger)
                core.start()
                return CoreRef(box: NIOLoopBoundBox(core, eventLoop: loop))
            }.get()
            let handler = try await loop.submit { NIOLoopBound(ReversingEcho(), eventLoop: loop) }.get()
            let echo = try await DatagramBootstrap(group: loop)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler.value) }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            return Fixture(group: group, loop: loop, core: core, echo: echo, echoHandler: handler, directory: directory)
        }

        /// A started udp-client (service `echo`) and udp-server (to localhost:echo) with these settings.
        func proxies(idleTimeout: Duration = .seconds(60), maximumSessions: Int = 4096) async throws
            -> (server: NIOLoopBound<UDPServerProxy>, client: NIOLoopBound<UDPClientProxy>, address: SocketAddress)
        {
            let port = echoPort
            let core = self.core
            let loop = self.loop
            let started: EventLoopFuture<Proxies> = loop.flatSubmit { () -> EventLoopFuture<Proxies> in
                let client = UDPClientProxy(
                    entry: UDPClientEntry(index: 1, service: "echo", address: "127.0.0.1:\(port)"),
                    core: core.value,
                    logger: quietLogger
                )
                client.idleTimeout = idleTimeout
                client.maximumSessions = maximumSessions
                let server = UDPServerProxy(
                    entry: UDPServerEntry(index: 2, port: 0, bindAddr: "127.0.0.1", remoteNode: "localhost", remoteService: "echo"),
                    core: core.value,
                    logger: quietLogger
                )
                server.idleTimeout = idleTimeout
                server.maximumSessions = maximumSessions
                do {
                    try client.start()
                } catch {
                    return loop.makeFailedFuture(error)
                }
                let proxies = Proxies(server: NIOLoopBound(server, eventLoop: loop), client: NIOLoopBound(client, eventLoop: loop))
                return server.start().map { proxies }
            }
            let proxies = try await started.get(within: .seconds(5), "proxies to start")
            let server = proxies.server
            let client = proxies.client
            let address = try #require(try await loop.submit { server.value.localAddress }.get())
            return (server, client, address)
        }

        func on<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
            try await loop.submit(body).get()
        }

        func eventually(_ what: String, within limit: Duration = .seconds(5), _ condition: @escaping @Sendable () -> Bool) async throws {
            let clock = ContinuousClock()
            let deadline = clock.now + limit
            while clock.now < deadline {
                if try await loop.submit(condition).get() { return }
                try await Task.sleep(for: .milliseconds(10))
            }
            throw TestTimeout(what: what)
        }

        func close() async {
            try? await echo.close()
            try? await loop.submit { core.box.value = nil }.get()
            try? await group.shutdownGracefully()
            removeTemporaryDirectory(directory)
        }
    }

    @Test("datagrams round-trip byte-exact, each sender gets its own replies", .timeLimit(.minutes(1)))
    func roundTripsWithoutCrossTalk() async throws {
        let f = try await Fixture.make()
        do {
            let (server, client, address) = try await f.proxies()
            let first = try await TestSocket.open(on: f.loop)
            let second = try await TestSocket.open(on: f.loop)
            for i in 0..<5 {
                try await first.send(Array("first \(i)".utf8), to: address)
                try await second.send(Array("second \(i)".utf8), to: address)
                #expect(try await first.receive("reply to first") == Array("first \(i)".utf8).reversed())
                #expect(try await second.receive("reply to second") == Array("second \(i)".utf8).reversed())
            }
            // Binary payloads, an empty datagram and a 60000-byte one arrive exactly.
            let binary: [UInt8] = (0..<256).map { UInt8($0) }
            try await first.send(binary, to: address)
            #expect(try await first.receive("binary reply") == binary.reversed())
            try await first.send([], to: address)
            #expect(try await first.receive("empty reply") == [])
            let big = (0..<60000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            try await second.send(big, to: address)
            #expect(try await second.receive("big reply") == big.reversed())

            #expect(try await first.queuedCount() == 0)
            #expect(try await second.queuedCount() == 0)
            #expect(try await f.on { server.value.sessionCount } == 2)
            #expect(try await f.on { client.value.sessionCount } == 2)
            // One connected socket per mesh sender: the echo server saw exactly two source ports.
            #expect(try await f.on { Set(f.echoHandler.value.senders).count } == 2)
            let services = try await f.on { server.value.sessionServices }
            #expect(services.count == 2)
            #expect(try await f.on { services.allSatisfy { f.core.value.serviceInUse($0) } })
            // The udp-client's service is advertised as a datagram service with receptor's tags.
            let ad = try await f.on { f.core.value.advertisements.first { $0.origin == "U" }?.services.first { $0.name == "echo" } }
            #expect(ad?.connType == .datagram)
            #expect(ad?.tags == ["type": "UDP Proxy", "address": "127.0.0.1:\(f.echoPort)"])

            try await f.on {
                server.value.stop()
                client.value.stop()
            }
            #expect(try await f.on { services.contains { f.core.value.serviceInUse($0) } || f.core.value.serviceInUse("echo") } == false)
            try await first.channel.close()
            try await second.channel.close()
        } catch {
            await f.close()
            throw error
        }
        await f.close()
    }

    @Test("idle sessions expire on both sides, and the sender gets a new one", .timeLimit(.minutes(1)))
    func idleSessionsExpire() async throws {
        let f = try await Fixture.make()
        do {
            let (server, client, address) = try await f.proxies(idleTimeout: .seconds(1))
            let socket = try await TestSocket.open(on: f.loop)
            try await socket.send(Array("one".utf8), to: address)
            #expect(try await socket.receive("first reply") == Array("eno".utf8))
            let services = try await f.on { server.value.sessionServices }
            #expect(services.count == 1)

            // Traffic keeps the session: 6 datagrams 250 ms apart outlive the 1 s timeout.
            for _ in 0..<6 {
                try await Task.sleep(for: .milliseconds(250))
                try await socket.send(Array("ab".utf8), to: address)
                #expect(try await socket.receive("reply") == Array("ba".utf8))
            }
            #expect(try await f.on { server.value.sessionServices } == services)
            #expect(try await f.on { Set(f.echoHandler.value.senders).count } == 1)

            // Silence: both sessions end and the ephemeral mesh service is unregistered.
            try await f.eventually("sessions to expire", within: .seconds(5)) {
                server.value.sessionCount == 0 && client.value.sessionCount == 0
            }
            #expect(try await f.on { f.core.value.serviceInUse(services[0]) } == false)
            #expect(try await f.on { f.core.value.serviceInUse("echo") })

            // The same sender comes back: a new session, a new mesh service, a new socket to the target.
            try await socket.send(Array("again".utf8), to: address)
            #expect(try await socket.receive("reply after expiry") == Array("niaga".utf8))
            let renewed = try await f.on { server.value.sessionServices }
            #expect(renewed.count == 1)
            #expect(renewed != services)
            #expect(try await f.on { Set(f.echoHandler.value.senders).count } == 2)

            try await f.on {
                server.value.stop()
                client.value.stop()
            }
            try await socket.channel.close()
        } catch {
            await f.close()
            throw error
        }
        await f.close()
    }

    @Test("a full table evicts the least recently active sender", .timeLimit(.minutes(1)))
    func fullTableEvicts() async throws {
        let f = try await Fixture.make()
        do {
            let (server, client, address) = try await f.proxies(maximumSessions: 2)
            var sockets: [TestSocket] = []
            for i in 0..<3 {
                let socket = try await TestSocket.open(on: f.loop)
                sockets.append(socket)
                try await socket.send([UInt8(i), 9], to: address)
                #expect(try await socket.receive("reply \(i)") == [9, UInt8(i)])
                #expect(try await f.on { server.value.sessionCount } == min(i + 1, 2))
                #expect(try await f.on { client.value.sessionCount } == min(i + 1, 2))
            }
            // The evicted first sender is served again, with a session of its own.
            try await sockets[0].send([1, 2, 3], to: address)
            #expect(try await sockets[0].receive("reply to the evicted sender") == [3, 2, 1])
            #expect(try await f.on { server.value.sessionCount } == 2)
            try await f.on {
                server.value.stop()
                client.value.stop()
            }
            for s in sockets { try await s.channel.close() }
        } catch {
            await f.close()
            throw error
        }
        await f.close()
    }

    @Test("an unknown target service drops datagrams quietly", .timeLimit(.minutes(1)))
    func unknownTargetIsDropped() async throws {
        let f = try await Fixture.make()
        do {
            let core = f.core
            let loop = f.loop
            let server = try await loop.flatSubmit {
                let server = UDPServerProxy(
                    entry: UDPServerEntry(index: 1, port: 0, bindAddr: "127.0.0.1", remoteNode: "localhost", remoteService: "nosuch"),
                    core: core.value,
                    logger: quietLogger
                )
                let bound = NIOLoopBound(server, eventLoop: loop)
                return server.start().map { bound }
            }.get()
            let address = try #require(try await f.on { server.value.localAddress })
            let socket = try await TestSocket.open(on: f.loop)
            try await socket.send([1, 2, 3], to: address)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await socket.queuedCount() == 0)
            #expect(try await f.on { server.value.sessionCount } == 1)
            try await f.on { server.value.stop() }
            try await socket.channel.close()
        } catch {
            await f.close()
            throw error
        }
        await f.close()
    }

    @Test("start-up failures name the entry and the field", .timeLimit(.minutes(1)))
    func startFailures() async throws {
        let f = try await Fixture.make()
        do {
            let core = f.core
            let loop = f.loop
            let taken = try #require(f.echo.localAddress?.port)
            // The port is in use (by the echo socket): bind fails with a ConfigError on "port".
            let bindError = try await loop.flatSubmit {
                let server = UDPServerProxy(
                    entry: UDPServerEntry(index: 4, port: taken, bindAddr: "127.0.0.1", remoteNode: "X", remoteService: "s"),
                    core: core.value,
                    logger: quietLogger
                )
                return server.start().map { _ -> ConfigError? in nil }.recover { $0 as? ConfigError }
            }.get()
            let error = try #require(bindError)
            #expect(error.entry == "udp-server")
            #expect(error.index == 4)
            #expect(error.field == "port")
            #expect(error.description.hasPrefix("udp-server (item 4): "))

            // The service name is taken.
            let serviceError = try await f.on { () -> ConfigError? in
                let first = UDPClientProxy(entry: UDPClientEntry(index: 1, service: "dup", address: "127.0.0.1:9"), core: core.value, logger: quietLogger)
                let second = UDPClientProxy(entry: UDPClientEntry(index: 2, service: "dup", address: "127.0.0.1:9"), core: core.value, logger: quietLogger)
                try first.start()
                defer { first.stop() }
                do {
                    try second.start()
                    return nil
                } catch let error as ConfigError {
                    return error
                }
            }
            #expect(serviceError == ConfigError(entry: "udp-client", index: 2, field: "service", message: "service dup is already in use"))
        } catch {
            await f.close()
            throw error
        }
        await f.close()
    }

    @Test func namesResolvePreferringIPv4() throws {
        let literal = try UDPClientProxy.resolve(host: "::1", port: 53)
        #expect(literal.protocol == .inet6)
        #expect(literal.port == 53)
        let local = try UDPClientProxy.resolve(host: "localhost", port: 5353)
        #expect(local.protocol == .inet)
        #expect(local.ipAddress == "127.0.0.1")
        #expect(local.port == 5353)
    }
}
