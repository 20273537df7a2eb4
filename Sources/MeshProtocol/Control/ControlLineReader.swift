import NIOCore

/// Splits control-socket input into command lines exactly as receptor's control service does:
/// `\n` ends a line, `\r` bytes are discarded anywhere, and bytes after a line stay unread for the
/// command that needs them (a `work submit` payload, a `connect` bridge).
public struct ControlLineReader: Sendable {
    /// Longest line accepted; longer input is an error rather than unbounded memory.
    public var maximumLineLength: Int

    public init(maximumLineLength: Int = 1 << 20) {
        self.maximumLineLength = maximumLineLength
    }

    /// Result of looking for a line.
    public enum Result: Equatable, Sendable {
        case line(String)
        case needMoreData
        case lineTooLong
    }

    /// Takes one line out of `buffer` if a whole one is there.
    public func nextLine(from buffer: inout ByteBuffer) -> Result {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            return view.count > maximumLineLength ? .lineTooLong : .needMoreData
        }
        let length = newline - view.startIndex
        if length > maximumLineLength { return .lineTooLong }
        let bytes = buffer.readBytes(length: length) ?? []
        buffer.moveReaderIndex(forwardBy: 1)
        return .line(Self.decodeLine(bytes))
    }

    /// The text of a final line that had no terminating newline (at EOF).
    public func finalLine(from buffer: inout ByteBuffer) -> String? {
        guard buffer.readableBytes > 0 else { return nil }
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return Self.decodeLine(bytes)
    }

    static func decodeLine(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.lazy.filter { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
    }
}
