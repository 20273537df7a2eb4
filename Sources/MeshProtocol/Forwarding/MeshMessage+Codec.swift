import NIOCore

extension MeshMessage {
    /// Bytes of header before the payload, for sizing buffers.
    public var headerLength: Int {
        2 + ByteBuffer.shortStringLength(sourceNode) + ByteBuffer.shortStringLength(destinationNode)
            + ByteBuffer.shortStringLength(sourceService) + ByteBuffer.shortStringLength(destinationService)
    }

    /// Appends the wire form (header, then payload) to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(hopsToLive)
        buffer.writeInteger(kind.rawValue)
        buffer.writeShortString(sourceNode)
        buffer.writeShortString(destinationNode)
        buffer.writeShortString(sourceService)
        buffer.writeShortString(destinationService)
        var payload = self.payload
        buffer.writeBuffer(&payload)
    }

    /// Decodes a whole message body; the payload is a slice of `buffer` (no copy).
    public static func decode(from buffer: inout ByteBuffer) throws -> MeshMessage {
        let hops: UInt8 = try buffer.readOrThrow("hops")
        let rawKind: UInt8 = try buffer.readOrThrow("kind")
        guard let kind = Kind(rawValue: rawKind) else {
            throw MeshProtocolError(.invalidField, "message kind \(rawKind)")
        }
        let src = try buffer.readNodeIDOrThrow("source node")
        let dst = try buffer.readNodeIDOrThrow("destination node")
        let srcSvc = try buffer.readServiceNameOrThrow("source service")
        let dstSvc = try buffer.readServiceNameOrThrow("destination service")
        let payload = buffer.readSlice(length: buffer.readableBytes) ?? ByteBuffer()
        return MeshMessage(
            hopsToLive: hops,
            kind: kind,
            sourceNode: src,
            destinationNode: dst,
            sourceService: srcSvc,
            destinationService: dstSvc,
            payload: payload
        )
    }
}

extension Unreachable {
    /// The payload form of an unreachable report.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var b = allocator.buffer(capacity: 2 + reportingNode.utf8.count)
        b.writeInteger(problem.rawValue)
        b.writeShortString(reportingNode)
        return b
    }

    /// Reads an unreachable report from a message payload.
    public static func decode(from buffer: inout ByteBuffer) throws -> Unreachable {
        let raw: UInt8 = try buffer.readOrThrow("problem")
        guard let problem = Problem(rawValue: raw) else {
            throw MeshProtocolError(.invalidField, "unreachable problem \(raw)")
        }
        let node = try buffer.readNodeIDOrThrow("reporting node")
        return Unreachable(problem: problem, reportingNode: node)
    }
}
