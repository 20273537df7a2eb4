/// A field value after conversion to its receptor type (spec §2.1).
enum TypedValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case stringList([String])
    case floatMap([String: Double])
    case mapList([[String: ConfigValue]])
    case map([String: ConfigValue])
    /// An explicit null for a list or map field: the field was mentioned but is empty.
    case empty
}
