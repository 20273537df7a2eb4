import MeshProtocol

extension WorkJSON {
    /// The same value as the control protocol's ``JSONValue`` (for replies).
    var jsonValue: JSONValue {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .array(let a): .array(a.map(\.jsonValue))
        case .object(let o): .object(o.mapValues(\.jsonValue))
        }
    }
}
