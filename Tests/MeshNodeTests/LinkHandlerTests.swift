import MeshProtocol
import NIOCore
import NIOEmbedded
import Testing

@testable import MeshNode

/// One end of an in-memory link: a link channel of a mesh core, on a shared `EmbeddedEventLoop`.
final class LinkEnd {
    let core: MeshCore
    let channel: EmbeddedChannel
    let handler: LinkHandler

    init(core: MeshCore, role: LinkHandler.Role, handshake: LinkHandshake? = nil, loop: EmbeddedEventLoop) throws {
        self.core = core
        self.channel = EmbeddedChannel(loop: loop)
        try LinkPipeline.configure(
            channel: channel,
            role: role,
            tls: nil,
            serverHostname: nil,
            handshake: handshake ?? LinkHandshake(localNode: core.localNode, cost: 1, nodeCost: [:], allowedPeers: nil),
            core: core,
            backendDescription: "embedded"
        )
        self.handler = try channel.pipeline.syncOperations.handler(type: LinkHandler.self)
    }

    convenience init(node: String, role: LinkHandler.Role, loop: EmbeddedEventLoop, dataDirectory: String) throws {
        let settings = MeshSettings(nodeID: node, dataDirectory: dataDirectory, version: "test")
        try self.init(core: MeshCore(settings: settings, loop: loop, logger: quietLogger), role: role, loop: loop)
    }

    /// Makes the channel active, which starts the link (a dialer sends its hello).
    func activate() throws {
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    /// Bytes written (and flushed) so far, as one buffer: a frame may span several writes (the
    /// link writes a message's header and payload separately), as on a real byte stream.
    func takeOutbound() throws -> [ByteBuffer] {
        var merged = ByteBuffer()
        while var b = try channel.readOutbound(as: ByteBuffer.self) { merged.writeBuffer(&b) }
        return merged.readableBytes == 0 ? [] : [merged]
    }

    var isEstablished: Bool { handler.peer != nil }
}

/// A connection between a dialer and a listener, wired back to back in memory (as NIOSSH's
/// `BackToBackEmbeddedChannel`).
final class Wire {
    let dialer: LinkEnd
    let listener: LinkEnd
    /// Frames each side sent, in order, whether or not they were delivered.
    var sentByDialer: [LinkFrame] = []
    var sentByListener: [LinkFrame] = []

    init(dialer: LinkEnd, listener: LinkEnd) {
        self.dialer = dialer
        self.listener = listener
    }
}

/// Node A dialling node B over one or more in-memory connections, with hooks that drop frames.
final class LinkPair {
    let loop: EmbeddedEventLoop
    let directory: String
    let coreA: MeshCore
    let coreB: MeshCore
    private(set) var wires: [Wire] = []
    var deliverToB: (LinkFrame) -> Bool = { _ in true }
    var deliverToA: (LinkFrame) -> Bool = { _ in true }
    /// When A last received a frame from B.
    var lastDeliveredToA = NIODeadline.uptimeNanoseconds(0)

    /// The first connection's ends and what they sent.
    var a: LinkEnd { wires[0].dialer }
    var b: LinkEnd { wires[0].listener }
    var sentByA: [LinkFrame] {
        get { wires[0].sentByDialer }
        set { wires[0].sentByDialer = newValue }
    }
    var sentByB: [LinkFrame] {
        get { wires[0].sentByListener }
        set { wires[0].sentByListener = newValue }
    }

    init(aHandshake: LinkHandshake? = nil, bHandshake: LinkHandshake? = nil) throws {
        let loop = EmbeddedEventLoop()
        let directory = try makeTemporaryDirectory()
        self.loop = loop
        self.directory = directory
        coreA = Self.makeCore("A", loop: loop, directory: directory)
        coreB = Self.makeCore("B", loop: loop, directory: directory)
        coreA.start()
        coreB.start()
        try addWire(dialer: coreA, listener: coreB, dialerHandshake: aHandshake, listenerHandshake: bHandshake)
    }

    /// A fresh core (a new process: new instance number) sharing the loop and data directory.
    func makeCore(_ node: String) -> MeshCore {
        Self.makeCore(node, loop: loop, directory: directory)
    }

    private static func makeCore(_ node: String, loop: EmbeddedEventLoop, directory: String) -> MeshCore {
        MeshCore(settings: MeshSettings(nodeID: node, dataDirectory: directory, version: "test"), loop: loop, logger: quietLogger)
    }

    /// Adds a connection (not yet active) between two cores on this loop.
    @discardableResult
    func addWire(
        dialer: MeshCore,
        listener: MeshCore,
        dialerHandshake: LinkHandshake? = nil,
        listenerHandshake: LinkHandshake? = nil
    ) throws -> Wire {
        let wire = Wire(
            dialer: try LinkEnd(core: dialer, role: .dialer, handshake: dialerHandshake, loop: loop),
            listener: try LinkEnd(core: listener, role: .listener, handshake: listenerHandshake, loop: loop)
        )
        wires.append(wire)
        return wire
    }

    /// Activates a connection (listener first, as with a real accept) and delivers frames until quiet.
    func connect(_ wire: Wire? = nil) throws {
        let w = wire ?? wires[0]
        try w.listener.activate()
        try w.dialer.activate()
        try pump()
    }

    /// Moves flushed frames across until nobody has anything more to say.
    func pump() throws {
        var moved = true
        while moved {
            moved = false
            loop.run()
            for w in wires {
                for buffer in try w.dialer.takeOutbound() {
                    moved = true
                    for frame in try decodeFrames(buffer) {
                        w.sentByDialer.append(frame)
                        if deliverToB(frame), w.listener.channel.isActive {
                            try w.listener.channel.writeInbound(encoded(frame))
                        }
                    }
                }
                for buffer in try w.listener.takeOutbound() {
                    moved = true
                    for frame in try decodeFrames(buffer) {
                        w.sentByListener.append(frame)
                        if deliverToA(frame), w.dialer.channel.isActive {
                            try w.dialer.channel.writeInbound(encoded(frame))
                            lastDeliveredToA = loop.now
                        }
                    }
                }
            }
        }
    }

    /// Advances virtual time in steps, pumping after each.
    func advance(by total: TimeAmount, step: TimeAmount = .milliseconds(10), until stop: () -> Bool = { false }) throws {
        var elapsed = TimeAmount.zero
        while elapsed < total, !stop() {
            loop.advanceTime(by: step)
            elapsed = elapsed + step
            try pump()
        }
    }

    func close() {
        for w in wires {
            _ = try? w.dialer.channel.finish(acceptAlreadyClosed: true)
            _ = try? w.listener.channel.finish(acceptAlreadyClosed: true)
        }
        try? loop.syncShutdownGracefully()
        removeTemporaryDirectory(directory)
    }

    private func encoded(_ frame: LinkFrame) -> ByteBuffer {
        var buffer = ByteBuffer()
        frame.encode(into: &buffer)
        return buffer
    }
}

/// A heartbeat an end sent of its own accord (a keepalive or a request, not a reply).
private func isOwnHeartbeat(_ frame: LinkFrame) -> Bool {
    if case .heartbeat(let hb) = frame { return hb.kind != .reply }
    return false
}

private func isHeartbeat(_ frame: LinkFrame, _ kind: LinkHeartbeat.Kind) -> Bool {
    if case .heartbeat(let hb) = frame { return hb.kind == kind }
    return false
}

private func rejectReason(_ frames: [LinkFrame]) -> String? {
    for case .reject(let reason) in frames { return reason }
    return nil
}

@Suite("Link handler over EmbeddedChannel")
struct LinkHandlerTests {
    @Test("the hello exchange establishes the link on both ends and routes appear")
    func handshake() throws {
        let pair = try LinkPair()
        defer { pair.close() }
        try pair.connect()

        // The dialer speaks first; the listener answers with its own hello.
        guard case .hello(let helloA) = pair.sentByA.first, case .hello(let helloB) = pair.sentByB.first else {
            Issue.record("no hellos: \(pair.sentByA) / \(pair.sentByB)")
            return
        }
        #expect(helloA.nodeID == "A")
        #expect(helloA.instance == pair.a.core.instance)
        #expect(helloA.cost == 1)
        #expect(helloA.heartbeatIntervalMillis == 250)
        #expect(helloB.nodeID == "B")

        #expect(pair.a.core.connections.map(\.node) == ["B"])
        #expect(pair.a.core.connections.map(\.cost) == [1])
        #expect(pair.b.core.connections.map(\.node) == ["A"])
        #expect(pair.a.handler.peerInstance == pair.b.core.instance)
        #expect(pair.b.handler.peerInstance == pair.a.core.instance)

        // Local changes are flooded after a short coalescing delay.
        try pair.advance(by: .milliseconds(100))
        #expect(pair.a.core.routingTable == ["B": "B"])
        #expect(pair.b.core.routingTable == ["A": "A"])
        #expect(pair.a.core.knownConnectionCosts == ["A": ["B": 1], "B": ["A": 1]])
        #expect(pair.sentByA.contains { if case .routing = $0 { return true } else { return false } })
    }

    @Test("an idle link carries one heartbeat each way per interval, the listener answering the dialer's")
    func heartbeats() throws {
        let pair = try LinkPair()
        defer { pair.close() }
        try pair.connect()
        // Past the routing floods (each end floods what it learnt after 100 ms of coalescing).
        try pair.advance(by: .milliseconds(300))
        #expect(pair.sentByB.contains { if case .routing = $0 { true } else { false } })
        pair.sentByA.removeAll()
        pair.sentByB.removeAll()

        // Step by step: within each 250 ms interval the dialer sends one heartbeat and the
        // listener's comes back in the same instant (the pump delivers at once): a keepalive, a
        // request (its probe, which the dialer echoes) or the echo of the dialer's request.
        var ownA = 0
        var allB = 0
        for _ in 1...40 {
            pair.loop.advanceTime(by: .milliseconds(250))
            try pair.pump()
            let a = pair.sentByA.filter(isOwnHeartbeat).count
            let b = pair.sentByB.count
            #expect(a == ownA + 1, "dialer: \(a - ownA) heartbeats in one interval")
            #expect(b == allB + 1, "listener: \(b - allB) frames in one interval")
            ownA = a
            allB = b
        }
        // Over 10 s: 40 each way, of which a request (probe) every 5 s on each end, each answered.
        let requestsA = pair.sentByA.filter { isHeartbeat($0, .request) }.count
        let requestsB = pair.sentByB.filter { isHeartbeat($0, .request) }.count
        #expect((1...3).contains(requestsA) && (1...3).contains(requestsB), "\(requestsA) / \(requestsB)")
        #expect(pair.sentByB.filter { isHeartbeat($0, .reply) }.count == requestsA)
        #expect(pair.sentByA.filter { isHeartbeat($0, .reply) }.count == requestsB)
        // Nothing else went over the idle link.
        #expect(pair.sentByA.allSatisfy { if case .heartbeat = $0 { true } else { false } })
        #expect(pair.sentByB.allSatisfy { if case .heartbeat = $0 { true } else { false } })
        // Both ends measured a round trip (zero here: the pump delivers in the same instant).
        #expect(pair.a.handler.lastRTT == .zero)
        #expect(pair.b.handler.lastRTT == .zero)
        #expect(pair.a.isEstablished && pair.b.isEstablished)
    }

    @Test("a node's links share wakeups: a heartbeat due soon rides along with another link's")
    func linksShareWakeups() throws {
        // A dials B, C dials A. Once the routing floods are over, A sends B an extra heartbeat
        // 10 ms after one of C's arrives, so A's own timer for B would fire 10 ms after each of
        // C's: inside the 62.5 ms slack, A sends them in the wakeup C's arrive in instead.
        let pair = try LinkPair()
        defer { pair.close() }
        try pair.connect()
        let coreC = pair.makeCore("C")
        coreC.start()
        let wireCA = try pair.addWire(dialer: coreC, listener: pair.coreA)
        try pair.connect(wireCA)
        try pair.advance(by: .milliseconds(1000), step: .milliseconds(5))
        let ownCToA = { wireCA.sentByDialer.filter(isOwnHeartbeat).count }
        let ownAToB = { pair.sentByA.filter(isOwnHeartbeat).count }
        let before = ownCToA()
        try pair.advance(by: .milliseconds(300), step: .milliseconds(5), until: { ownCToA() > before })
        try pair.advance(by: .milliseconds(10), step: .milliseconds(5))
        pair.a.handler.sendControl(.heartbeat(.keepalive))
        try pair.pump()

        var stepsWithAToB = 0
        var sharedWithCToA = 0
        for _ in 0..<600 {
            let (a, c) = (ownAToB(), ownCToA())
            pair.loop.advanceTime(by: .milliseconds(5))
            try pair.pump()
            guard ownAToB() > a else { continue }
            stepsWithAToB += 1
            if ownCToA() > c { sharedWithCToA += 1 }
        }
        // 3 s: A still sends one heartbeat to B per interval (or a little more often: early)...
        #expect((12...14).contains(stepsWithAToB), "\(stepsWithAToB) heartbeats from A to B in 3 s")
        // ...each in the very wakeup that C's heartbeat arrived in.
        #expect(sharedWithCToA == stepsWithAToB, "\(sharedWithCToA) of \(stepsWithAToB) shared a wakeup")
        #expect(pair.a.isEstablished && wireCA.listener.isEstablished)
    }

    @Test("a routing refresh waits for the link's next heartbeat and goes out in the same flush, first")
    func refreshRidesOnHeartbeat() throws {
        let pair = try LinkPair()
        defer { pair.close() }
        try pair.connect()
        try pair.advance(by: .milliseconds(300))
        pair.sentByA.removeAll()
        let ad = RoutingAdvertisement(
            origin: "X", sequence: 3, instance: 9, lifetimeMillis: 60_000,
            originTimeMillis: 1_700_000_000_000, links: ["A": 1]
        )
        pair.a.handler.queueRefresh([ad])
        try pair.pump()
        #expect(pair.sentByA.isEmpty, "held: \(pair.sentByA)")
        try pair.advance(by: .milliseconds(300), step: .milliseconds(5), until: { !pair.sentByA.isEmpty })
        // The refresh, then A's heartbeat (and maybe its echo of B's probe), in one step.
        #expect(pair.sentByA.first == .routing([ad]), "\(pair.sentByA)")
        #expect(pair.sentByA.dropFirst().allSatisfy { if case .heartbeat = $0 { true } else { false } })
        #expect(pair.sentByA.dropFirst().first.map(isOwnHeartbeat) == true)
        #expect(pair.b.core.advertisements.contains { $0.origin == "X" && $0.sequence == 3 })

        // A data frame written first carries a held refresh just the same, ahead of it.
        var newer = ad
        newer.sequence = 4
        pair.a.handler.queueRefresh([newer])
        pair.sentByA.removeAll()
        let message = MeshMessage(
            hopsToLive: 30, kind: .datagram, sourceNode: "A", destinationNode: "B",
            sourceService: "s", destinationService: "echo-none", payload: ByteBuffer(bytes: [1, 2, 3])
        )
        #expect(pair.a.handler.sendMessage(message))
        try pair.pump()
        #expect(pair.sentByA.first == .routing([newer]), "\(pair.sentByA)")
        #expect(pair.sentByA.count == 2, "\(pair.sentByA)")
    }

    @Test("with the dialer's heartbeats lost, the listener keeps the link alive on its own timer")
    func listenerSendsOnItsOwn() throws {
        let pair = try LinkPair()
        defer { pair.close() }
        try pair.connect()
        try pair.advance(by: .milliseconds(150))
        pair.sentByB.removeAll()
        // A's heartbeats never reach B (B's reach A). With nothing to answer, B sends on its own
        // timer, 312.5 ms after its last frame (a quarter interval behind the dialer's pace): its
        // last frame was the routing flood at 100 ms, so heartbeats at 412.5 and 725 ms. It hears
        // nothing after that flood and declares A dead 1 s later.
        pair.deliverToB = { frame in
            if case .heartbeat = frame { return false }
            return true
        }
        try pair.advance(by: .milliseconds(700), step: .milliseconds(5))
        let own = pair.sentByB.filter(isOwnHeartbeat).count
        #expect(own == 2, "\(own) heartbeats from the listener by 850 ms")
        #expect(pair.b.isEstablished)
        try pair.advance(by: .milliseconds(400), step: .milliseconds(5))
        #expect(!pair.b.isEstablished)
    }

    @Test("a silent peer is declared dead after deadTimeout, and the route goes")
    func silentPeerDeclaredDead() throws {
        let pair = try LinkPair()
        defer { pair.close() }
        try pair.connect()
        try pair.advance(by: .milliseconds(600))
        #expect(pair.a.core.routingTable["B"] == "B")

        // From now on B's frames are lost; A's still reach B.
        pair.deliverToA = { _ in false }
        try pair.advance(by: .seconds(3), until: { !pair.a.isEstablished })
        let detectedAfter = pair.loop.now - pair.lastDeliveredToA

        #expect(!pair.a.isEstablished)
        // Not before deadTimeout of silence; the timer is armed for that very deadline, so no
        // later than the test's 10 ms step after it.
        #expect(detectedAfter >= .seconds(1), "\(detectedAfter)")
        #expect(detectedAfter <= .milliseconds(1010), "\(detectedAfter)")
        #expect(pair.a.core.connections.isEmpty)
        #expect(pair.a.core.routingTable["B"] == nil)
        #expect(!pair.a.channel.isActive)
        // A told B why, and B closed its end too.
        #expect(rejectReason(pair.sentByA)?.contains("silent") == true)
        #expect(pair.b.core.connections.isEmpty)
    }

    @Test("a link busy with other frames is never declared dead, even if heartbeats are lost")
    func busyLinkStaysUp() throws {
        let pair = try LinkPair()
        defer { pair.close() }
        try pair.connect()
        try pair.advance(by: .milliseconds(100))

        // Drop every heartbeat B sends; B keeps sending pings (routed messages) instead.
        pair.deliverToA = { frame in
            if case .heartbeat = frame { return false }
            return true
        }
        for _ in 0..<50 {
            _ = pair.b.core.ping("A")
            try pair.advance(by: .milliseconds(100), step: .milliseconds(100))
        }
        #expect(pair.a.isEstablished)
        #expect(pair.a.core.connections.map(\.node) == ["B"])
        // Traffic is life both ways, so a busy link carries no heartbeats at all (at most the
        // first, before the pings began).
        #expect(pair.sentByB.filter(isOwnHeartbeat).count <= 1)
        #expect(pair.sentByA.filter(isOwnHeartbeat).count <= 1)
    }

    @Test("ping over the link gets an answer from the peer")
    func ping() throws {
        let pair = try LinkPair()
        defer { pair.close() }
        try pair.connect()
        try pair.advance(by: .milliseconds(100))

        let result = pair.a.core.ping("B")
        try pair.pump()
        let r = try result.wait()
        #expect(r.error == nil)
        #expect(r.from == "B")

        let nowhere = try pair.a.core.ping("nowhere").wait()
        #expect(nowhere.error == "no route to node")
        #expect(nowhere.from == "A")

        let local = pair.a.core.ping("localhost")
        pair.loop.run()
        #expect(try local.wait().from == "A")
        #expect(try local.wait().error == nil)

        // Hop limits, as traceroute uses them: 0 expires here, 1 is enough for a neighbour.
        let expired = try pair.a.core.ping("B", hopsToLive: 0).wait()
        #expect(expired.error == "message expired")
        #expect(expired.from == "A")
        let oneHop = pair.a.core.ping("B", hopsToLive: 1)
        try pair.pump()
        #expect(try oneHop.wait().from == "B")
        #expect(try oneHop.wait().error == nil)
    }

    @Test("data waits while the socket is not writable, control frames do not, and the queue is bounded")
    func dataQueue() throws {
        let pair = try LinkPair()
        defer { pair.close() }
        try pair.connect()
        try pair.advance(by: .milliseconds(100))
        pair.sentByA.removeAll()

        func message(_ tag: UInt8, size: Int) -> MeshMessage {
            var payload = ByteBuffer()
            payload.writeRepeatingByte(tag, count: size)
            return MeshMessage(
                kind: .datagram,
                sourceNode: "A",
                destinationNode: "B",
                sourceService: "test",
                destinationService: "sink",
                payload: payload
            )
        }
        let handler = pair.a.handler
        // Writable and nothing queued: straight to the socket.
        #expect(handler.sendMessage(message(0, size: 10)))
        #expect(handler.queuedBytes == 0)

        pair.a.channel.isWritable = false
        var accepted: [UInt8] = []
        var refused = 0
        for tag in UInt8(1)...20 {
            if handler.sendMessage(message(tag, size: 1 << 20)) { accepted.append(tag) } else { refused += 1 }
        }
        #expect(handler.queuedBytes <= LinkHandler.dataQueueLimit)
        #expect(handler.queuedBytes > LinkHandler.dataQueueLimit - (2 << 20))
        #expect(refused > 0)
        #expect(handler.droppedDataFrames == refused)

        // Heartbeats still go out while data is stuck.
        pair.loop.advanceTime(by: .milliseconds(250))
        try pair.pump()
        #expect(pair.sentByA.contains(where: isOwnHeartbeat))
        let messagesSent: () -> [UInt8] = {
            pair.sentByA.compactMap { frame in
                guard case .message(let m) = frame else { return nil }
                return m.payload.getInteger(at: m.payload.readerIndex)
            }
        }
        #expect(messagesSent() == [0])

        // Writable again: the queue drains in order.
        pair.a.channel.isWritable = true
        pair.a.channel.pipeline.fireChannelWritabilityChanged()
        try pair.pump()
        #expect(messagesSent() == [0] + accepted)
        #expect(handler.queuedBytes == 0)
        #expect(pair.a.isEstablished)
    }

    @Test("a hello that fails the checks is refused with a reason and nothing is established")
    func refusedHello() throws {
        let pair = try LinkPair(bHandshake: LinkHandshake(localNode: "B", cost: 2, nodeCost: [:], allowedPeers: nil))
        defer { pair.close() }
        try pair.connect()
        #expect(rejectReason(pair.sentByB)?.hasPrefix("refused link from A: we disagree about the connection cost") == true)
        #expect(!pair.a.isEstablished && !pair.b.isEstablished)
        #expect(pair.a.core.connections.isEmpty && pair.b.core.connections.isEmpty)
        #expect(!pair.a.channel.isActive && !pair.b.channel.isActive)
    }

    @Test("a first frame that is not a hello is a protocol violation")
    func notHelloFirst() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let loop = EmbeddedEventLoop()
        defer { try? loop.syncShutdownGracefully() }
        let end = try LinkEnd(node: "B", role: .listener, loop: loop, dataDirectory: directory)
        try end.activate()
        var buffer = ByteBuffer()
        LinkFrame.heartbeat(LinkHeartbeat(kind: .request, timestamp: 1)).encode(into: &buffer)
        try end.channel.writeInbound(buffer)
        loop.run()
        let sent = try end.takeOutbound().flatMap(decodeFrames)
        #expect(rejectReason(sent) == "protocol violation: expected hello")
        #expect(!end.channel.isActive)
    }

    @Test("a peer that never says hello is dropped after 10 s")
    func helloTimeout() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let loop = EmbeddedEventLoop()
        defer { try? loop.syncShutdownGracefully() }
        let end = try LinkEnd(node: "B", role: .listener, loop: loop, dataDirectory: directory)
        try end.activate()
        loop.advanceTime(by: .milliseconds(9_999))
        #expect(end.channel.isActive)
        #expect(try end.takeOutbound().isEmpty)
        loop.advanceTime(by: .milliseconds(1))
        #expect(!end.channel.isActive)
        let sent = try end.takeOutbound().flatMap(decodeFrames)
        #expect(rejectReason(sent) == "no hello from peer within 10 s")
    }

    @Test("a malformed frame closes the link with a reject")
    func malformedFrame() throws {
        let pair = try LinkPair()
        defer { pair.close() }
        try pair.connect()
        #expect(pair.b.isEstablished)
        // An unknown frame type inside a well-formed length prefix.
        try pair.b.channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 1, 0x42]))
        try pair.pump()
        #expect(rejectReason(pair.sentByB)?.contains("unknown frame type") == true)
        #expect(!pair.b.isEstablished)
        #expect(pair.b.core.connections.isEmpty)
        #expect(pair.a.core.connections.isEmpty)
    }
    @Test("a second connection from the same peer process replaces the first on both ends")
    func reconnectReplacesOldLink() throws {
        let pair = try LinkPair()
        defer { pair.close() }
        try pair.connect()
        try pair.advance(by: .milliseconds(100))
        let second = try pair.addWire(dialer: pair.coreA, listener: pair.coreB)
        try pair.connect(second)
        try pair.advance(by: .milliseconds(100))

        #expect(second.dialer.isEstablished && second.listener.isEstablished)
        #expect(!pair.a.isEstablished && !pair.b.isEstablished)
        #expect(!pair.a.channel.isActive && !pair.b.channel.isActive)
        // Whichever end replaced its link first said why.
        #expect([rejectReason(pair.sentByA), rejectReason(pair.sentByB)].contains("replaced by a preferred link"))
        #expect(pair.coreA.connections.map(\.node) == ["B"])
        #expect(pair.coreB.connections.map(\.node) == ["A"])
        #expect(pair.coreA.routingTable == ["B": "B"])
        // The surviving link carries traffic.
        let ping = pair.coreA.ping("B")
        try pair.pump()
        #expect(try ping.wait().error == nil)
    }

    @Test("a second process with a connected node's ID is refused and the first link stays")
    func duplicateNodeIDRefused() throws {
        let pair = try LinkPair()
        defer { pair.close() }
        try pair.connect()
        let impostor = pair.makeCore("B")
        #expect(impostor.instance != pair.coreB.instance)
        let second = try pair.addWire(dialer: pair.coreA, listener: impostor)
        try pair.connect(second)

        #expect(!second.dialer.isEstablished && !second.dialer.channel.isActive)
        #expect(rejectReason(second.sentByDialer)?.contains("already connected (another instance)") == true)
        #expect(impostor.connections.isEmpty)
        #expect(pair.a.isEstablished && pair.b.isEstablished)
        #expect(pair.coreA.connections.map(\.node) == ["B"])
    }
}

@Suite("Link frame decoder in a channel pipeline")
struct LinkFrameDecoderPipelineTests {
    @Test("an oversize length prefix fails on its first 4 bytes")
    func oversize() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LinkFrameDecoder()))
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        var header = ByteBuffer()
        header.writeInteger(UInt32(LinkFrame.maximumLength + 1))
        let error = #expect(throws: MeshProtocolError.self) { try channel.writeInbound(header) }
        #expect(error?.code == .frameTooLarge)
    }

    @Test("random streams give frames or a MeshProtocolError")
    func garbage() throws {
        var rng = SystemRandomNumberGenerator()
        var errors = 0
        for _ in 0..<500 {
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(LinkFrameDecoder()))
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let n = Int.random(in: 0...20, using: &rng)
                bytes += [0, 0, 0, UInt8(n + 1), UInt8.random(in: 1...5, using: &rng)]
                bytes += (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            // Feed it in random slices.
            var rest = bytes[...]
            do {
                while !rest.isEmpty {
                    let k = Int.random(in: 1...rest.count, using: &rng)
                    try channel.writeInbound(ByteBuffer(bytes: Array(rest.prefix(k))))
                    rest = rest.dropFirst(k)
                }
            } catch is MeshProtocolError {
                errors += 1
            } catch {
                Issue.record("unexpected error \(error) for \(bytes)")
            }
            while (try? channel.readInbound(as: LinkFrame.self)) != nil {}
            _ = try? channel.finish(acceptAlreadyClosed: true)
        }
        #expect(errors > 0)
    }
}

extension ByteBuffer {
    fileprivate init(bytes: [UInt8]) {
        self.init()
        self.writeBytes(bytes)
    }
}
