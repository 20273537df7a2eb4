/// A cursor over one fuzz input, for harnesses that read the input as a little program
/// (an op byte, then its operands). Reads past the end give zeros, so every input is a program.
public struct FuzzInput {
    /// The whole input.
    public let bytes: [UInt8]
    /// Index of the next unread byte.
    public private(set) var offset = 0

    /// Copies the `size` bytes at `data` (libFuzzer's arguments).
    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        self.bytes = Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Wraps bytes that are already in an array.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset >= bytes.count }

    /// Bytes not read yet.
    public var remaining: Int { max(bytes.count - offset, 0) }

    /// The next byte, or 0 past the end.
    public mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// The next two bytes as a big-endian `UInt16` (zeros past the end).
    public mutating func uint16() -> UInt16 {
        UInt16(byte()) << 8 | UInt16(byte())
    }

    /// The next eight bytes as a big-endian `UInt64` (zeros past the end).
    public mutating func uint64() -> UInt64 {
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(byte()) }
        return value
    }

    /// Up to `count` next bytes (fewer at the end of the input).
    public mutating func take(_ count: Int) -> [UInt8] {
        let end = min(offset + max(count, 0), bytes.count)
        guard offset < end else { return [] }
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

/// The bytes libFuzzer passed, as an array.
public func inputBytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
    Array(UnsafeBufferPointer(start: data, count: size))
}

/// Stops the process with a report that a decoded value did not survive encode-and-decode (or
/// another documented invariant broke). libFuzzer saves the input as a crash artifact.
public func invariantFailure(_ harness: String, _ what: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("[\(harness)] \(what)", file: file, line: line)
}

/// Splits `bytes` into chunks of `size` (at least 1), as a network read would deliver them.
public func chunks(of bytes: [UInt8], size: Int) -> [ArraySlice<UInt8>] {
    let step = max(size, 1)
    return stride(from: 0, to: bytes.count, by: step).map { bytes[$0..<min($0 + step, bytes.count)] }
}

/// A chunk size in 1...limit taken from the input's contents, so that a harness can feed the
/// same input both whole and in pieces without spending input bytes on the choice.
public func chunkSize(for bytes: [UInt8], limit: Int = 16) -> Int {
    var hash: UInt32 = 2_166_136_261
    for b in bytes.prefix(64) { hash = (hash ^ UInt32(b)) &* 16_777_619 }
    return Int(hash % UInt32(max(limit, 1))) + 1
}
