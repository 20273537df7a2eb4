import MeshProtocol
import NIOCore

/// Valid protocol values, shaped like real traffic of a small mesh (control -> hop -> execution).
/// Their encodings are the seed corpus of the protocol harnesses.
public enum Samples {
    /// Advertisements: a control node with a work-command list, a hop with two links, a bare one.
    public static let advertisements: [RoutingAdvertisement] = [
        RoutingAdvertisement(
            origin: "control",
            sequence: 7,
            instance: 0x1234_5678_9ABC_DEF0,
            lifetimeMillis: 120_000,
            originTimeMillis: 1_700_000_000_000,
            links: ["hop": 1.0],
            services: [
                ServiceAdvertisement(
                    name: "control",
                    connType: .streamTLS,
                    tags: ["type": "Control Service"],
                    workCommands: [
                        WorkCommandAdvertisement(workType: "cat", secure: false),
                        WorkCommandAdvertisement(workType: "signed-echo", secure: true),
                    ]
                )
            ]
        ),
        RoutingAdvertisement(
            origin: "hop",
            sequence: 42,
            instance: 3,
            lifetimeMillis: 30_000,
            originTimeMillis: 1_700_000_000_500,
            links: ["control": 1.0, "execution": 2.5],
            services: [ServiceAdvertisement(name: "ping", connType: .datagram)]
        ),
        RoutingAdvertisement(origin: "x", sequence: 0),
    ]

    /// One stream frame of each body type.
    public static let streamFrames: [StreamFrame] = [
        StreamFrame(streamID: 1, fromOpener: true, body: .open(window: 65_536)),
        StreamFrame(streamID: 1, fromOpener: false, body: .openAck(window: 1 << 20)),
        StreamFrame(streamID: 1, fromOpener: true, body: .data(offset: 0, sentAt: 123_456, bytes: buffer("hello, stream"))),
        StreamFrame(streamID: 1, fromOpener: false, body: .ack(received: 13, windowLimit: 65_549, echo: 123_456)),
        StreamFrame(streamID: 1, fromOpener: true, body: .fin(offset: 13)),
        StreamFrame(streamID: 0xFFFF_FFFF, fromOpener: false, body: .reset(reason: "connection refused")),
    ]

    /// Messages of each kind, with payloads of the matching form.
    public static let messages: [MeshMessage] = [
        MeshMessage(
            kind: .datagram,
            sourceNode: "control",
            destinationNode: "execution",
            sourceService: "ping1",
            destinationService: "ping",
            payload: buffer("ping payload")
        ),
        MeshMessage(
            hopsToLive: 29,
            kind: .stream,
            sourceNode: "control",
            destinationNode: "execution",
            sourceService: "s1",
            destinationService: "control",
            payload: encode(streamFrames[2])
        ),
        MeshMessage(
            hopsToLive: 1,
            kind: .unreachable,
            sourceNode: "hop",
            destinationNode: "control",
            sourceService: "",
            destinationService: "ping1",
            payload: Unreachable(problem: .noRoute, reportingNode: "hop").encoded()
        ),
    ]

    /// One link frame of each type (two heartbeats, two routing frames, every message).
    public static var linkFrames: [LinkFrame] {
        [
            .hello(LinkHello(nodeID: "control", instance: 0xDEAD_BEEF, cost: 1.0, heartbeatIntervalMillis: 1_000)),
            .heartbeat(LinkHeartbeat(kind: .request, timestamp: 987_654_321)),
            .heartbeat(.keepalive),
            .heartbeat(LinkHeartbeat(kind: .reply, timestamp: 987_654_321)),
            .routing(advertisements),
            .routing([]),
            .reject(reason: "node ID does not match the certificate"),
        ] + messages.map { .message($0) }
    }

    /// A buffer holding the UTF-8 of `text`.
    public static func buffer(_ text: String) -> ByteBuffer {
        ByteBuffer(string: text)
    }

    /// The wire form of a stream frame.
    public static func encode(_ frame: StreamFrame) -> ByteBuffer {
        var b = ByteBuffer()
        frame.encode(into: &b)
        return b
    }

    /// The wire form of a message.
    public static func encode(_ message: MeshMessage) -> ByteBuffer {
        var b = ByteBuffer()
        message.encode(into: &b)
        return b
    }

    /// The wire form of an advertisement.
    public static func encode(_ advertisement: RoutingAdvertisement) -> ByteBuffer {
        var b = ByteBuffer()
        advertisement.encode(into: &b)
        return b
    }

    /// The framed wire form of a link frame (length prefix included).
    public static func encode(_ frame: LinkFrame) -> ByteBuffer {
        var b = ByteBuffer()
        frame.encode(into: &b)
        return b
    }
}

extension ByteBuffer {
    /// The readable bytes, as an array (for seed files and comparisons).
    public var readableArray: [UInt8] { Array(readableBytesView) }
}
