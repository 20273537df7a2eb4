/// A decoding failure: the bytes a peer sent do not form a valid frame.
///
/// Errors are a struct with an extensible code (as in NIOSSH), so adding a case does not break users.
public struct MeshProtocolError: Error, Hashable, CustomStringConvertible {
    /// What kind of violation it was.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let frameTooLarge = Code("frame too large")
        public static let truncated = Code("truncated frame")
        public static let unknownFrameType = Code("unknown frame type")
        public static let invalidField = Code("invalid field")
        public static let trailingBytes = Code("trailing bytes")
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String = "") {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail.isEmpty ? code.description : "\(code): \(detail)" }
}
