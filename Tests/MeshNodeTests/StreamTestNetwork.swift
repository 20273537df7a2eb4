import MeshTestSupport
import DequeModule
import Logging
import MeshProtocol
import NIOCore
import NIOEmbedded

@testable import MeshNode

/// Two (or more) stream managers wired through an in-memory network on an `EmbeddedEventLoop`.
/// The network can drop, duplicate and reorder messages and take routes away, so stream
/// reliability is tested without sockets and without sleeping.
final class StreamTestNetwork {
    let loop = EmbeddedEventLoop()
    private(set) var managers: [String: StreamManager] = [:]
    private var transports: [String: Transport] = [:]
    private var queue = Deque<(message: MeshMessage, due: NIODeadline)>()
    /// One-way delay of every message (virtual time; `advance` delivers what has come due).
    var latency: TimeAmount = .zero
    /// Stream frame bytes each node has sent (data and resends included).
    private(set) var bytesSent: [String: Int] = [:]
    /// When false, `nextHop` reports no route for any remote node.
    var routesUp = true
    /// Decides whether a message is lost in transit.
    var drop: (MeshMessage) -> Bool = { _ in false }
    /// Decides whether a message is delivered twice.
    var duplicate: (MeshMessage) -> Bool = { _ in false }
    /// Deliver the queue in a shuffled order.
    var reorder = false
    /// Changes every next hop (as when a hop on the path dies and another takes over).
    var pathGeneration = 0
    private(set) var delivered = 0
    private(set) var bytesInFlightPeak: [String: Int] = [:]
    var rng = SplitMix64(seed: 42)

    final class Transport: StreamTransport {
        let localNode: String
        unowned let network: StreamTestNetwork
        private var counter = 0

        init(node: String, network: StreamTestNetwork) {
            self.localNode = node
            self.network = network
        }

        func nextHop(to node: String) -> String? {
            node == localNode ? localNode : (network.routesUp ? "\(node)-via-\(network.pathGeneration)" : nil)
        }

        func originate(_ message: MeshMessage) {
            network.bytesSent[localNode, default: 0] += message.payload.readableBytes
            network.queue.append((message, network.loop.now + network.latency))
        }

        func makeEphemeralServiceName() -> String {
            counter += 1
            return "eph\(counter)"
        }
    }

    init(nodes: [String], configuration: StreamConfiguration = StreamConfiguration()) {
        for node in nodes {
            let t = Transport(node: node, network: self)
            transports[node] = t
            managers[node] = StreamManager(
                core: t,
                loop: loop,
                localNode: node,
                configuration: configuration,
                logger: Logger(label: "test")
            )
        }
    }

    subscript(node: String) -> StreamManager { managers[node]! }

    /// Routes changed everywhere (a new path, or none).
    func announceRouteChange() {
        for m in managers.values { m.routesChanged() }
    }

    /// Delivers messages and runs loop tasks until nothing is left to do at the current time.
    func pump(maxSteps: Int = 1_000_000) {
        var steps = 0
        while steps < maxSteps {
            loop.run()
            guard let head = queue.first, head.due <= loop.now else { return }
            if reorder && queue.count > 1 {
                let i = Int(rng.next() % UInt64(queue.count))
                queue.swapAt(queue.startIndex, queue.startIndex + i)
            }
            let message = queue.removeFirst().message
            steps += 1
            if drop(message) { continue }
            deliver(message)
            if duplicate(message) { deliver(message) }
        }
    }

    private func deliver(_ message: MeshMessage) {
        delivered += 1
        managers[message.destinationNode]?.receive(message)
    }

    /// Advances virtual time in steps, pumping after each.
    func advance(by total: TimeAmount, step: TimeAmount = .milliseconds(50)) {
        var elapsed: Int64 = 0
        while elapsed < total.nanoseconds {
            loop.advanceTime(by: step)
            pump()
            elapsed += step.nanoseconds
        }
    }
}

/// Collects what a stream delivers.
final class Collector: MeshStreamDelegate {
    var bytes: [UInt8] = []
    var inputClosed = false
    var closedError: String??
    var writable = true
    var onWritable: (() -> Void)?
    /// Set by tests that pause the stream, so `onReceive` can flag data handed to a paused reader.
    var paused = false
    var onReceive: (() -> Void)?

    func streamReceived(_ buffer: ByteBuffer) {
        bytes += buffer.readableBytesView
        onReceive?()
    }

    func streamInputClosed() {
        inputClosed = true
    }

    func streamClosed(error: String?) {
        closedError = .some(error)
    }

    func streamWritabilityChanged(_ writable: Bool) {
        self.writable = writable
        if writable { onWritable?() }
    }
}


extension EventLoopFuture {
    /// The result if the future has completed (on an `EmbeddedEventLoop`, after pumping).
    func peek() -> Result<Value, any Error>? {
        var result: Result<Value, any Error>?
        self.assumeIsolated().whenComplete { result = $0 }
        return result
    }
}
