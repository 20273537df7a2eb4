import NIOCore

extension StreamFrame {
    /// Appends the wire form: `u32 streamID`, `u8 flags|type`, body.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(streamID)
        let typeByte: BodyType
        switch body {
        case .open: typeByte = .open
        case .openAck: typeByte = .openAck
        case .data: typeByte = .data
        case .ack: typeByte = .ack
        case .fin: typeByte = .fin
        case .reset: typeByte = .reset
        }
        buffer.writeInteger(typeByte.rawValue | (fromOpener ? 0x80 : 0))
        switch body {
        case .open(let w), .openAck(let w):
            buffer.writeInteger(w)
        case .data(let offset, let sentAt, var bytes):
            buffer.writeInteger(offset)
            buffer.writeInteger(sentAt)
            buffer.writeBuffer(&bytes)
        case .ack(let received, let limit, let echo):
            buffer.writeInteger(received)
            buffer.writeInteger(limit)
            buffer.writeInteger(echo)
        case .fin(let offset):
            buffer.writeInteger(offset)
        case .reset(let reason):
            buffer.writeMediumString(reason)
        }
    }

    /// Decodes a frame occupying all of `buffer`; data bytes are a slice (no copy).
    public static func decode(from buffer: inout ByteBuffer) throws -> StreamFrame {
        let id: UInt32 = try buffer.readOrThrow("stream id")
        let flags: UInt8 = try buffer.readOrThrow("stream frame type")
        guard let type = BodyType(rawValue: flags & 0x7F) else {
            throw MeshProtocolError(.unknownFrameType, "stream frame type \(flags & 0x7F)")
        }
        let body: Body
        switch type {
        case .open: body = .open(window: try buffer.readOrThrow("window"))
        case .openAck: body = .openAck(window: try buffer.readOrThrow("window"))
        case .data:
            let offset: UInt64 = try buffer.readOrThrow("offset")
            let sentAt: UInt64 = try buffer.readOrThrow("send time")
            body = .data(offset: offset, sentAt: sentAt, bytes: buffer.readSlice(length: buffer.readableBytes) ?? ByteBuffer())
        case .ack:
            let r: UInt64 = try buffer.readOrThrow("received")
            let limit: UInt64 = try buffer.readOrThrow("window limit")
            body = .ack(received: r, windowLimit: limit, echo: try buffer.readOrThrow("echoed send time"))
        case .fin: body = .fin(offset: try buffer.readOrThrow("offset"))
        case .reset: body = .reset(reason: try buffer.readMediumStringOrThrow("reason"))
        }
        if buffer.readableBytes != 0 { throw MeshProtocolError(.trailingBytes, "stream frame") }
        return StreamFrame(streamID: id, fromOpener: flags & 0x80 != 0, body: body)
    }
}
