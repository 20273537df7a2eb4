import Logging
import MeshProtocol
import MeshStreams
import NIOCore

/// Tunables of the stream layer (defined with the pure state machine in ``MeshStreams``).
public typealias StreamConfiguration = MeshStreams.StreamConfiguration

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
    /// Counts and logs a stream-protocol violation by `peer`.
    func noteProtocolError(kind: String, peer: String, detail: String)
}

extension StreamTransport {
    /// Test transports need not count violations.
    func noteProtocolError(kind: String, peer: String, detail: String) {}
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
    /// Accepted (not opened by us) streams per remote node, for ``StreamConfiguration/maximumAcceptedPerNode``.
    private var acceptedPerNode: [String: Int] = [:]
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
        if let problem = MeshName.nodeIDProblem(node) ?? MeshName.serviceNameProblem(service) {
            promise.fail(MeshStreamError(message: problem))
            return promise.futureResult
        }
        if draining {
            promise.fail(MeshStreamError(message: "node shutting down"))
            return promise.futureResult
        }
        if streams.count >= configuration.maximumStreams {
            promise.fail(MeshStreamError(message: "too many streams"))
            return promise.futureResult
        }
        if node != localNode && core.nextHop(to: node) == nil {
            promise.fail(MeshStreamError(message: "no route to node \(node)"))
            return promise.futureResult
        }
        let localService = core.makeEphemeralServiceName()
        var key: StreamKey
        repeat {
            key = StreamKey(
                remoteNode: node,
                localService: localService,
                remoteService: service,
                streamID: nextStreamID,
                weAreOpener: true
            )
            nextStreamID = nextStreamID &+ 1
        } while streams[key] != nil
        let stream = MeshStream(
            key: key,
            localService: localService,
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
        } catch let error as MeshProtocolError {
            core.noteProtocolError(kind: error.code.metricLabel, peer: message.sourceNode, detail: "stream frame: \(error)")
            return
        } catch {
            core.noteProtocolError(kind: "invalid_field", peer: message.sourceNode, detail: "stream frame: \(error)")
            return
        }
        let key = StreamKey(
            remoteNode: message.sourceNode,
            localService: message.destinationService,
            remoteService: message.sourceService,
            streamID: frame.streamID,
            weAreOpener: !frame.fromOpener
        )
        if let stream = streams[key] {
            stream.handle(frame.body)
            return
        }
        switch frame.body {
        case .open(let window) where frame.fromOpener:
            guard !draining else {
                reply(to: message, frame: frame, .reset(reason: "node shutting down"))
                return
            }
            guard let accept = listeners[message.destinationService] else {
                reply(to: message, frame: frame, .reset(reason: "service unknown"))
                return
            }
            let accepted = acceptedPerNode[message.sourceNode] ?? 0
            guard accepted < configuration.maximumAcceptedPerNode, streams.count < configuration.maximumStreams else {
                reply(to: message, frame: frame, .reset(reason: "too many streams"))
                return
            }
            acceptedPerNode[message.sourceNode] = accepted + 1
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
            reply(to: message, frame: frame, .reset(reason: "unknown stream"))
        }
    }

    /// A hop reported a stream message undeliverable.
    func unreachable(service: String, problem: String) {
        for stream in streams.values where stream.localService == service && stream.key.weAreOpener {
            stream.unreachable(problem)
        }
    }

    /// Answers a frame for a stream we do not have. The answer travels the other way on the
    /// same stream, so its direction flag is the opposite of the frame's: an answer to the
    /// acceptor's frame comes from the opener's end (with `false` always, the acceptor never
    /// found the stream an "unknown stream" reset was for, and resent until its timeout).
    private func reply(to message: MeshMessage, frame received: StreamFrame, _ body: StreamFrame.Body) {
        let frame = StreamFrame(streamID: received.streamID, fromOpener: !received.fromOpener, body: body)
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
        guard streams[stream.key] === stream else { return }
        streams[stream.key] = nil
        if !stream.key.weAreOpener, let accepted = acceptedPerNode[stream.key.remoteNode] {
            acceptedPerNode[stream.key.remoteNode] = accepted > 1 ? accepted - 1 : nil
        }
        if streams.isEmpty, let drained {
            self.drained = nil
            drained.succeed()
        }
    }

    /// Counts and logs a stream-protocol violation by `peer`.
    func noteProtocolError(kind: String, peer: String, detail: String) {
        core.noteProtocolError(kind: kind, peer: peer, detail: detail)
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

    /// Set by ``drain()``: no stream is opened or accepted any more.
    private(set) var draining = false
    private var drained: EventLoopPromise<Void>?

    /// Stops opening and accepting streams (a peer's open is reset with `node shutting down`).
    /// The future completes once the open ones have all ended (at once if there are none).
    func drain() -> EventLoopFuture<Void> {
        draining = true
        if streams.isEmpty { return loop.makeSucceededVoidFuture() }
        let promise = drained ?? loop.makePromise(of: Void.self)
        drained = promise
        return promise.futureResult
    }

    /// Resets every stream (shutdown).
    func resetAll(reason: String) {
        for stream in Array(streams.values) { stream.close(error: reason) }
    }
}
