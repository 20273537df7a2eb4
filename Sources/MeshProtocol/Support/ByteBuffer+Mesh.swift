import NIOCore

/// Small, total read/write helpers shared by every codec in this module.
/// Each reader throws ``MeshProtocolError`` instead of returning nil, so decoders stay linear.
extension ByteBuffer {
    /// Writes a string prefixed by its UTF-8 length as one byte. A longer string is cut to 255
    /// bytes on a character boundary (so the frame still decodes) instead of trapping: names are
    /// checked with ``MeshName`` where they enter the node, and a cut name can only fail to match.
    @inlinable
    mutating func writeShortString(_ s: String) {
        let utf8 = s.utf8
        if utf8.count <= 255 {
            self.writeInteger(UInt8(truncatingIfNeeded: utf8.count))
            self.writeString(s)
            return
        }
        let bytes = Array(utf8)
        var count = 255
        while count > 0 && bytes[count] & 0xC0 == 0x80 { count -= 1 }
        self.writeInteger(UInt8(truncatingIfNeeded: count))
        self.writeBytes(bytes[..<count])
    }

    /// The bytes ``writeShortString(_:)`` writes for `s`, prefix included.
    static func shortStringLength(_ s: String) -> Int {
        let utf8 = s.utf8
        if utf8.count <= 255 { return 1 + utf8.count }
        var count = 255
        let bytes = Array(utf8)
        while count > 0 && bytes[count] & 0xC0 == 0x80 { count -= 1 }
        return 1 + count
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

    /// Reads a node ID (a short string) and checks it with ``MeshName``.
    mutating func readNodeIDOrThrow(_ what: String) throws -> String {
        let name = try readShortStringOrThrow(what)
        if let problem = MeshName.nodeIDProblem(name) { throw MeshProtocolError(.invalidName, "\(what): \(problem)") }
        return name
    }

    /// Reads a service name (a short string) and checks it with ``MeshName``.
    mutating func readServiceNameOrThrow(_ what: String) throws -> String {
        let name = try readShortStringOrThrow(what)
        if let problem = MeshName.serviceNameProblem(name) { throw MeshProtocolError(.invalidName, "\(what): \(problem)") }
        return name
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
