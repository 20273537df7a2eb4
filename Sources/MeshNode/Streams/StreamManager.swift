import Logging
import MeshProtocol
import NIOCore

/// Tunables of the stream layer.
public struct StreamConfiguration: Sendable {
    /// Receive window per stream (bytes in flight, end to end).
    public var window: UInt64 = 8 << 20
    /// Largest data frame.
    public var frameSize: Int = 128 << 10
    /// First retransmission timeout; doubles (to 4 s) while nothing is acknowledged.
    public var initialRetransmitTimeout: TimeAmount = .milliseconds(400)
    /// A stream with unacknowledged data and no progress for this long is reset.
    public var streamTimeout: Duration = .seconds(30)
    /// How long a stream waits for a new route after losing its path before it is reset.
    public var noRouteGrace: Duration = .seconds(3)
    /// How long a stream closed on our side waits for the peer to finish its side before reset.
    public var lingerTimeout: Duration = .seconds(60)

    public init() {}
}

/// What the stream layer needs from the mesh: routes and a way to send. ``MeshCore`` is the real
/// one; tests connect two stream managers through an in-memory transport that can drop, duplicate
/// and reroute frames.
protocol StreamTransport: AnyObject {
    var localNode: String { get }
    /// The neighbour on the path to `node`, or nil when there is no route.
    func nextHop(to node: String) -> String?
    /// Sends a message this node originates.
    func originate(_ message: MeshMessage)
    /// A fresh random service name for the opener's end of a stream.
    func makeEphemeralServiceName() -> String
}

/// Owns every mesh stream of this node: opening, accepting on named services, and dispatching
/// stream frames by (remote node, stream ID, direction).
final class StreamManager {
    let loop: any EventLoop
    let localNode: String
    let configuration: StreamConfiguration
    private unowned let core: any StreamTransport
    private var streams: [StreamKey: MeshStream] = [:]
    private var listeners: [String: (MeshStream) -> Void] = [:]
    private var nextStreamID: UInt32
    private let logger: Logger

    init(core: any StreamTransport, loop: any EventLoop, localNode: String, configuration: StreamConfiguration, logger: Logger) {
        self.core = core
        self.loop = loop
        self.localNode = localNode
        self.configuration = configuration
        self.nextStreamID = UInt32.random(in: 1..<(1 << 30))
        self.logger = logger
    }

    var count: Int { streams.count }

    func nextHop(to node: String) -> String? {
        node == localNode ? localNode : core.nextHop(to: node)
    }

    /// Accept streams on `service`.
    func listen(service: String, accept: @escaping (MeshStream) -> Void) {
        listeners[service] = accept
    }

    func stopListening(service: String) {
        listeners[service] = nil
    }

    func isListening(_ service: String) -> Bool { listeners[service] != nil }

    /// Opens a stream to (`node`, `service`). Fails with the mesh's reason ("no route to node", a
    /// reset such as "service unknown", or "timeout").
    func open(node: String, service: String) -> EventLoopFuture<MeshStream> {
        let promise = loop.makePromise(of: MeshStream.self)
        if node != localNode && core.nextHop(to: node) == nil {
            promise.fail(MeshStreamError(message: "no route to node \(node)"))
            return promise.futureResult
        }
        var id: UInt32
        repeat {
            id = nextStreamID
            nextStreamID = nextStreamID &+ 1
        } while streams[StreamKey(remoteNode: node, streamID: id, weAreOpener: true)] != nil
        let key = StreamKey(remoteNode: node, streamID: id, weAreOpener: true)
        let stream = MeshStream(
            key: key,
            localService: core.makeEphemeralServiceName(),
            remoteService: service,
            manager: self,
            phase: .opening,
            peerWindow: 0
        )
        streams[key] = stream
        stream.startOpening(promise: promise)
        return promise.futureResult
    }

    /// A stream message addressed to this node.
    func receive(_ message: MeshMessage) {
        var payload = message.payload
        let frame: StreamFrame
        do {
            frame = try StreamFrame.decode(from: &payload)
        } catch {
            logger.debug("dropping malformed stream frame", metadata: ["from": "\(message.sourceNode)", "error": "\(error)"])
            return
        }
        let key = StreamKey(remoteNode: message.sourceNode, streamID: frame.streamID, weAreOpener: !frame.fromOpener)
        if let stream = streams[key] {
            stream.handle(frame.body)
            return
        }
        switch frame.body {
        case .open(let window) where frame.fromOpener:
            guard let accept = listeners[message.destinationService] else {
                reply(to: message, streamID: frame.streamID, .reset(reason: "service unknown"))
                return
            }
            let stream = MeshStream(
                key: key,
                localService: message.destinationService,
                remoteService: message.sourceService,
                manager: self,
                phase: .open,
                peerWindow: window
            )
            streams[key] = stream
            stream.handle(.open(window: window))
            accept(stream)
        case .reset:
            break
        case .ack, .fin, .data, .openAck, .open:
            reply(to: message, streamID: frame.streamID, .reset(reason: "unknown stream"))
        }
    }

    /// A hop reported a stream message undeliverable.
    func unreachable(service: String, problem: String) {
        for stream in streams.values where stream.localService == service && stream.key.weAreOpener {
            stream.unreachable(problem)
        }
    }

    private func reply(to message: MeshMessage, streamID: UInt32, _ body: StreamFrame.Body) {
        let frame = StreamFrame(streamID: streamID, fromOpener: false, body: body)
        var buffer = ByteBufferAllocator().buffer(capacity: 32)
        frame.encode(into: &buffer)
        core.originate(
            MeshMessage(
                kind: .stream,
                sourceNode: localNode,
                destinationNode: message.sourceNode,
                sourceService: message.destinationService,
                destinationService: message.sourceService,
                payload: buffer
            )
        )
    }

    func send(_ frame: StreamFrame, for stream: MeshStream) {
        var capacity = 32
        if case .data(_, _, let bytes) = frame.body { capacity += bytes.readableBytes }
        var buffer = ByteBufferAllocator().buffer(capacity: capacity)
        frame.encode(into: &buffer)
        core.originate(
            MeshMessage(
                kind: .stream,
                sourceNode: localNode,
                destinationNode: stream.key.remoteNode,
                sourceService: stream.localService,
                destinationService: stream.remoteService,
                payload: buffer
            )
        )
    }

    func remove(_ stream: MeshStream) {
        if streams[stream.key] === stream { streams[stream.key] = nil }
    }

    func streamMayBeDone(_ stream: MeshStream) {
        if stream.isFinished {
            stream.terminate(error: nil, notify: true)
        }
    }

    /// `node` restarted: its streams with us are gone on its side.
    func peerRestarted(_ node: String) {
        for stream in Array(streams.values) where stream.key.remoteNode == node {
            stream.abort("node \(node) restarted")
        }
    }

    func routesChanged() {
        for stream in Array(streams.values) { stream.routesChanged() }
    }

    /// Resets every stream (shutdown).
    func resetAll(reason: String) {
        for stream in Array(streams.values) { stream.close(error: reason) }
    }
}
