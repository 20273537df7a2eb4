import NIOCore

/// One datagram of a UDP link (see ``ReliableDatagramConnection``).
///
/// Layout: `"RM"` magic, `u8` version (1), `u8` type, `u32` connection ID, then by type:
/// - data: `u64` sequence number, then the payload (a slice of the link's byte stream);
/// - ack: `u64` next expected sequence, `u64` bitmap of the 64 sequences after it that arrived,
///   `u32` how many sequences past the expected one the receiver accepts;
/// - reset: nothing (the connection is gone; the peer should close its link and redial).
///
/// Every datagram is at most ``maximumSize`` bytes, which fits the IPv6 minimum MTU (1280) after
/// the IP and UDP headers, so links never depend on IP fragmentation (receptor sends a whole
/// message, up to 64 KiB, as one datagram and loses it whole when any fragment is lost).
/// (Public for the fuzz harnesses in `Fuzz/`.)
public enum UDPLinkPacket: Equatable {
    case data(connection: UInt32, sequence: UInt64, payload: ByteBuffer)
    case ack(connection: UInt32, nextExpected: UInt64, selective: UInt64, window: UInt32)
    case reset(connection: UInt32)

    /// Largest datagram sent: 1280 (IPv6 minimum MTU) - 40 (IPv6 header) - 8 (UDP header).
    public static let maximumSize = 1232
    public static let headerSize = 8
    public static let dataHeaderSize = headerSize + 8
    /// Largest payload of a data packet.
    public static let maximumPayload = maximumSize - dataHeaderSize

    private static let magic: UInt16 = 0x524D  // "RM"
    private static let version: UInt8 = 1

    private enum PacketType: UInt8 {
        case data = 1
        case ack = 2
        case reset = 3
    }

    /// A datagram that is not one of ours, or is cut short.
    public struct Malformed: Error, CustomStringConvertible {
        public var description: String
    }

    public var connection: UInt32 {
        switch self {
        case .data(let c, _, _), .ack(let c, _, _, _), .reset(let c): c
        }
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.magic)
        buffer.writeInteger(Self.version)
        switch self {
        case .data(let connection, let sequence, let payload):
            buffer.writeInteger(PacketType.data.rawValue)
            buffer.writeInteger(connection)
            buffer.writeInteger(sequence)
            buffer.writeImmutableBuffer(payload)
        case .ack(let connection, let nextExpected, let selective, let window):
            buffer.writeInteger(PacketType.ack.rawValue)
            buffer.writeInteger(connection)
            buffer.writeInteger(nextExpected)
            buffer.writeInteger(selective)
            buffer.writeInteger(window)
        case .reset(let connection):
            buffer.writeInteger(PacketType.reset.rawValue)
            buffer.writeInteger(connection)
        }
    }

    public func encoded(allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: Self.dataHeaderSize + 16 + {
            if case .data(_, _, let p) = self { return p.readableBytes }
            return 0
        }())
        encode(into: &buffer)
        return buffer
    }

    /// Decodes one datagram; the payload of a data packet is a slice of `datagram`.
    public static func decode(_ datagram: ByteBuffer) throws(Malformed) -> UDPLinkPacket {
        var b = datagram
        guard b.readableBytes <= maximumSize else {
            throw Malformed(description: "datagram of \(b.readableBytes) bytes is larger than \(maximumSize)")
        }
        guard let magic = b.readInteger(as: UInt16.self), magic == Self.magic,
            let version = b.readInteger(as: UInt8.self)
        else {
            throw Malformed(description: "not a receptord UDP link datagram")
        }
        guard version == Self.version else {
            throw Malformed(description: "unsupported UDP link version \(version)")
        }
        guard let rawType = b.readInteger(as: UInt8.self), let type = PacketType(rawValue: rawType),
            let connection = b.readInteger(as: UInt32.self)
        else {
            throw Malformed(description: "unknown UDP link packet type")
        }
        switch type {
        case .data:
            guard let sequence = b.readInteger(as: UInt64.self) else {
                throw Malformed(description: "data packet cut short")
            }
            return .data(connection: connection, sequence: sequence, payload: b)
        case .ack:
            guard let next = b.readInteger(as: UInt64.self), let selective = b.readInteger(as: UInt64.self),
                let window = b.readInteger(as: UInt32.self), b.readableBytes == 0
            else {
                throw Malformed(description: "ack packet of the wrong size")
            }
            return .ack(connection: connection, nextExpected: next, selective: selective, window: window)
        case .reset:
            guard b.readableBytes == 0 else { throw Malformed(description: "reset packet of the wrong size") }
            return .reset(connection: connection)
        }
    }
}
