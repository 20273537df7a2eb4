import NIOCore

/// Small, total read/write helpers shared by every codec in this module.
/// Each reader throws ``MeshProtocolError`` instead of returning nil, so decoders stay linear.
extension ByteBuffer {
    /// Writes a string prefixed by its UTF-8 length as one byte. Longer strings are a programming error:
    /// callers validate identifiers before they reach the wire.
    @inlinable
    mutating func writeShortString(_ s: String) {
        let count = s.utf8.count
        precondition(count <= 255, "short string longer than 255 bytes")
        self.writeInteger(UInt8(count))
        self.writeString(s)
    }

    /// Writes a string prefixed by its UTF-8 length as a big-endian UInt16.
    /// Longer strings are cut to 65535 bytes on a character boundary, so the result still decodes.
    @inlinable
    mutating func writeMediumString(_ s: String) {
        let utf8 = Array(s.utf8)
        var count = min(utf8.count, Int(UInt16.max))
        if count < utf8.count {
            while count > 0 && utf8[count] & 0xC0 == 0x80 { count -= 1 }
        }
        self.writeInteger(UInt16(count))
        self.writeBytes(utf8[..<count])
    }

    mutating func readShortStringOrThrow(_ what: String) throws -> String {
        guard let n: UInt8 = self.readInteger() else { throw MeshProtocolError(.truncated, what) }
        return try self.readUTF8(count: Int(n), what)
    }

    mutating func readMediumStringOrThrow(_ what: String) throws -> String {
        guard let n: UInt16 = self.readInteger() else { throw MeshProtocolError(.truncated, what) }
        return try self.readUTF8(count: Int(n), what)
    }

    private mutating func readUTF8(count: Int, _ what: String) throws -> String {
        guard let bytes = self.readSlice(length: count) else { throw MeshProtocolError(.truncated, what) }
        guard let s = bytes.getString(at: bytes.readerIndex, length: count),
            s.utf8.elementsEqual(bytes.readableBytesView)
        else { throw MeshProtocolError(.invalidField, "\(what) is not UTF-8") }
        return s
    }

    mutating func readOrThrow<T: FixedWidthInteger>(_ what: String, as: T.Type = T.self) throws -> T {
        guard let v: T = self.readInteger() else { throw MeshProtocolError(.truncated, what) }
        return v
    }

    mutating func readDoubleOrThrow(_ what: String) throws -> Double {
        let bits: UInt64 = try self.readOrThrow(what)
        let d = Double(bitPattern: bits)
        guard d.isFinite else { throw MeshProtocolError(.invalidField, "\(what) is not finite") }
        return d
    }

    mutating func writeDouble(_ d: Double) {
        self.writeInteger(d.bitPattern)
    }
}
