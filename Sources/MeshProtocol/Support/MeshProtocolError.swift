/// A decoding failure: the bytes a peer sent do not form a valid frame.
///
/// Errors are a struct with an extensible code (as in NIOSSH), so adding a case does not break users.
public struct MeshProtocolError: Error, Hashable, CustomStringConvertible {
    /// What kind of violation it was.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }
        /// The code as a Prometheus label value: `truncated_frame`, `invalid_name`, ...
        public var metricLabel: String { name.replacingSpaces() }

        public static let frameTooLarge = Code("frame too large")
        public static let truncated = Code("truncated frame")
        public static let unknownFrameType = Code("unknown frame type")
        public static let invalidField = Code("invalid field")
        public static let trailingBytes = Code("trailing bytes")
        public static let invalidName = Code("invalid name")
        /// A well-formed value no honest peer sends (an origin time near Int64.min, a sequence
        /// at the top of its range): dropped and never passed on.
        public static let absurdValue = Code("absurd value")
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String = "") {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail.isEmpty ? code.description : "\(code): \(detail)" }
}

extension String {
    fileprivate func replacingSpaces() -> String {
        String(self.map { $0 == " " ? "_" : $0 })
    }
}
