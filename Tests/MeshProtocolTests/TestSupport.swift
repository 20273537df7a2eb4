import MeshProtocol
import NIOCore
import MeshTestSupport
import Testing


extension SplitMix64 {
    mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

extension ByteBuffer {
    init(bytes: [UInt8]) {
        self.init()
        self.writeBytes(bytes)
    }

    var bytes: [UInt8] { Array(readableBytesView) }
}

/// The full wire form of a frame (length prefix included).
func wire(_ frame: LinkFrame) -> ByteBuffer {
    var buffer = ByteBuffer()
    frame.encode(into: &buffer)
    return buffer
}

/// The body of a frame (type byte first, no length prefix), as `LinkFrame.decodeBody` wants it.
func body(_ frame: LinkFrame) -> [UInt8] {
    Array(wire(frame).bytes.dropFirst(4))
}

func decodeBody(_ bytes: [UInt8]) throws -> LinkFrame {
    var buffer = ByteBuffer(bytes: bytes)
    return try LinkFrame.decodeBody(&buffer)
}

func streamBytes(_ frame: StreamFrame) -> [UInt8] {
    var buffer = ByteBuffer()
    frame.encode(into: &buffer)
    return buffer.bytes
}

func decodeStream(_ bytes: [UInt8]) throws -> StreamFrame {
    var buffer = ByteBuffer(bytes: bytes)
    return try StreamFrame.decode(from: &buffer)
}

/// Runs `body` and returns the code of the `MeshProtocolError` it throws; records an issue if it
/// throws something else or nothing.
func protocolErrorCode(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> MeshProtocolError.Code? {
    do {
        try body()
        Issue.record("expected a MeshProtocolError, nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as MeshProtocolError {
        return error.code
    } catch {
        Issue.record("expected a MeshProtocolError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Big-endian bytes of an integer.
func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian) { Array($0) }
}

/// Sample values reused by several suites.
enum Samples {
    static let controlService = ServiceAdvertisement(
        name: "control",
        connType: .stream,
        tags: ["type": "Control Service", "zone": "eu-west", "émoji": "🚀"],
        workCommands: [
            WorkCommandAdvertisement(workType: "echo", secure: false),
            WorkCommandAdvertisement(workType: "ansible-runner", secure: true),
        ]
    )

    static let advertisements: [RoutingAdvertisement] = [
        RoutingAdvertisement(
            origin: "hub",
            sequence: 1_700_000_000_000_000,
            instance: 0xDEAD_BEEF_CAFE_F00D,
            lifetimeMillis: 120_000,
            originTimeMillis: 1_700_000_000_123,
            links: ["edge-1": 1, "edge-2": 2.5, "edge-3": 0.125],
            services: [
                controlService,
                ServiceAdvertisement(name: "ping", connType: .datagram),
                ServiceAdvertisement(name: "secure", connType: .streamTLS, tags: ["k": ""]),
            ]
        ),
        RoutingAdvertisement(origin: "edge-1", sequence: 0),
        RoutingAdvertisement(
            origin: "edge-2",
            sequence: .max,
            instance: .max,
            lifetimeMillis: .max,
            originTimeMillis: -42,
            links: ["hub": 2.5]
        ),
    ]

    static func message(_ kind: MeshMessage.Kind, payload: [UInt8], hops: UInt8 = MeshMessage.defaultHopsToLive)
        -> MeshMessage
    {
        MeshMessage(
            hopsToLive: hops,
            kind: kind,
            sourceNode: "node-a",
            destinationNode: "node-b",
            sourceService: "Xy12abCd",
            destinationService: "control",
            payload: ByteBuffer(bytes: payload)
        )
    }

    static let streamFrames: [StreamFrame] = {
        var out: [StreamFrame] = []
        let bodies: [StreamFrame.Body] = [
            .open(window: 8 << 20),
            .openAck(window: 0),
            .data(offset: 0, sentAt: 1_234_567, bytes: ByteBuffer(string: "hello, mesh")),
            .data(offset: .max, sentAt: .max, bytes: ByteBuffer()),
            .ack(received: 12, windowLimit: 12 + (8 << 20), echo: 1_234_567),
            .fin(offset: 1234),
            .reset(reason: "service unknown"),
            .reset(reason: ""),
            .reset(reason: "naïve ✓"),
        ]
        for fromOpener in [true, false] {
            for (i, b) in bodies.enumerated() {
                out.append(StreamFrame(streamID: UInt32(i) &* 0x1357_9BDF, fromOpener: fromOpener, body: b))
            }
        }
        return out
    }()

    /// One frame of every type, with every message kind.
    static let linkFrames: [LinkFrame] = {
        var unreachable = Unreachable(problem: .serviceUnknown, reportingNode: "node-b").encoded()
        var stream = ByteBuffer()
        streamFrames[2].encode(into: &stream)
        return [
            .hello(LinkHello(nodeID: "node-a", instance: 0x0123_4567_89AB_CDEF, cost: 1, heartbeatIntervalMillis: 250)),
            .hello(LinkHello(version: 7, nodeID: "ñødé", instance: 0, cost: 1e-3, heartbeatIntervalMillis: .max)),
            .hello(LinkHello(nodeID: String(repeating: "x", count: 255), instance: .max, cost: 1e300, heartbeatIntervalMillis: 0)),
            .heartbeat(LinkHeartbeat(kind: .request, timestamp: 0)),
            .heartbeat(.keepalive),
            .heartbeat(LinkHeartbeat(kind: .reply, timestamp: .max)),
            .routing([]),
            .routing(advertisements),
            .reject(reason: ""),
            .reject(reason: "we disagree about the connection cost: ours 1.0, peer b says 2.0"),
            .reject(reason: String(repeating: "é", count: 1000)),
            .message(message(.datagram, payload: [])),
            .message(message(.datagram, payload: Array("ping".utf8), hops: 0)),
            .message(message(.stream, payload: Array(stream.readableBytesView), hops: 255)),
            .message(message(.unreachable, payload: unreachable.readBytes(length: unreachable.readableBytes)!)),
        ]
    }()
}
