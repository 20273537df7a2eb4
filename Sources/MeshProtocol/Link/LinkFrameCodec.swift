import NIOCore

extension LinkFrame {
    /// Appends the framed wire form (length, type, body) to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        switch self {
        case .hello(let h):
            buffer.writeInteger(FrameType.hello.rawValue)
            buffer.writeInteger(h.version)
            buffer.writeShortString(h.nodeID)
            buffer.writeInteger(h.instance)
            buffer.writeDouble(h.cost)
            buffer.writeInteger(h.heartbeatIntervalMillis)
        case .heartbeat(let hb):
            buffer.writeInteger(FrameType.heartbeat.rawValue)
            buffer.writeInteger(hb.kind.rawValue)
            buffer.writeInteger(hb.timestamp)
        case .routing(let ads):
            buffer.writeInteger(FrameType.routing.rawValue)
            // At most 65535 per frame (callers batch far fewer); never a trap.
            let count = min(ads.count, Int(UInt16.max))
            buffer.writeInteger(UInt16(truncatingIfNeeded: count))
            for ad in ads.prefix(count) { ad.encode(into: &buffer) }
        case .reject(let reason):
            buffer.writeInteger(FrameType.reject.rawValue)
            buffer.writeMediumString(reason)
        case .message(let m):
            buffer.writeInteger(FrameType.message.rawValue)
            m.encode(into: &buffer)
        }
        let length = buffer.writerIndex - lengthIndex - 4
        buffer.setInteger(UInt32(truncatingIfNeeded: length), at: lengthIndex)
    }

    /// Writes everything of a message frame except the payload: the length prefix (which counts the
    /// payload), the type byte and the message header. Sending this followed by the payload bytes
    /// equals ``encode(into:)`` for `.message`, without copying the payload.
    public static func encodeMessageHeader(_ message: MeshMessage, into buffer: inout ByteBuffer) {
        let length = 1 + message.headerLength + message.payload.readableBytes
        buffer.writeInteger(UInt32(truncatingIfNeeded: length))
        buffer.writeInteger(FrameType.message.rawValue)
        buffer.writeInteger(message.hopsToLive)
        buffer.writeInteger(message.kind.rawValue)
        buffer.writeShortString(message.sourceNode)
        buffer.writeShortString(message.destinationNode)
        buffer.writeShortString(message.sourceService)
        buffer.writeShortString(message.destinationService)
    }

    /// Decodes one frame body (type byte first, no length prefix). Total: any bytes give a frame or a
    /// ``MeshProtocolError``.
    public static func decodeBody(_ body: inout ByteBuffer) throws -> LinkFrame {
        let raw: UInt8 = try body.readOrThrow("frame type")
        guard let type = FrameType(rawValue: raw) else {
            throw MeshProtocolError(.unknownFrameType, "link frame type \(raw)")
        }
        let frame: LinkFrame
        switch type {
        case .hello:
            let version: UInt8 = try body.readOrThrow("version")
            let node = try body.readNodeIDOrThrow("node id")
            let instance: UInt64 = try body.readOrThrow("instance")
            let cost = try body.readDoubleOrThrow("cost")
            let hb: UInt32 = try body.readOrThrow("heartbeat interval")
            frame = .hello(
                LinkHello(version: version, nodeID: node, instance: instance, cost: cost, heartbeatIntervalMillis: hb)
            )
        case .heartbeat:
            let rawKind: UInt8 = try body.readOrThrow("heartbeat kind")
            guard let kind = LinkHeartbeat.Kind(rawValue: rawKind) else {
                throw MeshProtocolError(.invalidField, "heartbeat kind \(rawKind)")
            }
            frame = .heartbeat(LinkHeartbeat(kind: kind, timestamp: try body.readOrThrow("timestamp")))
        case .routing:
            let count = Int(try body.readOrThrow("advertisement count", as: UInt16.self))
            var ads: [RoutingAdvertisement] = []
            ads.reserveCapacity(min(count, 1024))
            for _ in 0..<count {
                ads.append(try RoutingAdvertisement.decode(from: &body))
            }
            frame = .routing(ads)
        case .reject:
            frame = .reject(reason: try body.readMediumStringOrThrow("reason"))
        case .message:
            return .message(try MeshMessage.decode(from: &body))
        }
        if body.readableBytes != 0 { throw MeshProtocolError(.trailingBytes, "link frame type \(raw)") }
        return frame
    }
}

/// Splits a byte stream into ``LinkFrame``s. Rejects frames longer than ``LinkFrame/maximumLength``
/// before buffering them, so a peer cannot make us allocate without bound.
public struct LinkFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = LinkFrame

    public init() {}

    public mutating func decode(buffer: inout ByteBuffer) throws -> LinkFrame? {
        guard let length: UInt32 = buffer.getInteger(at: buffer.readerIndex) else { return nil }
        guard length >= 1, Int(length) <= LinkFrame.maximumLength else {
            throw MeshProtocolError(.frameTooLarge, "length \(length)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        guard var body = buffer.readSlice(length: Int(length)) else { return nil }
        return try LinkFrame.decodeBody(&body)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> LinkFrame? {
        try decode(buffer: &buffer)
    }
}
