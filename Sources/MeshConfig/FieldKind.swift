/// The Go type a field has in receptor, which decides how values convert (spec §2.1).
enum FieldKind: Sendable, Equatable {
    /// `string`. Duration fields are strings too, parsed after conversion.
    case string
    /// `int`.
    case int
    /// `float64`.
    case float
    /// `bool`.
    case bool
    /// `[]string`.
    case stringList
    /// `map[string]float64`.
    case floatMap
    /// A list of maps with string values (`node.firewallrules`).
    case mapList
    /// `map[string]interface{}` (`work-python.config`).
    case map

    /// The Go spelling, used in help output and type errors.
    var goName: String {
        switch self {
        case .string: return "string"
        case .int: return "int"
        case .float: return "float64"
        case .bool: return "bool"
        case .stringList: return "[]string"
        case .floatMap: return "map[string]float64"
        case .mapList: return "[]map[string]string"
        case .map: return "map[string]interface {}"
        }
    }
}
