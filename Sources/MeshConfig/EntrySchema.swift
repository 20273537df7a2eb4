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

/// One field of an entry.
struct FieldSpec: Sendable {
    var name: String
    var kind: FieldKind
    var required: Bool = false
    var help: String = ""

    init(_ name: String, _ kind: FieldKind, required: Bool = false, help: String = "") {
        self.name = name
        self.kind = kind
        self.required = required
        self.help = help
    }
}

/// How receptord treats an entry it can parse.
enum EntrySupport: Sendable, Equatable {
    /// Built into a typed entry of ``ReceptorConfig``.
    case supported
    /// Validated, then recorded in ``ReceptorConfig/unsupported`` with this reason.
    case unsupported(String)
}

/// The field table of one entry kind, mirroring receptor's `cmdline` registrations.
struct EntrySchema: Sendable {
    var name: String
    var help: String
    var fields: [FieldSpec]
    var bareField: String? = nil
    var singleton = false
    var exclusive = false
    var hidden = false
    var support: EntrySupport = .supported

    func field(_ name: String) -> FieldSpec? {
        fields.first { $0.name == name }
    }

    var requiredFields: [String] {
        fields.filter(\.required).map(\.name)
    }

    /// Looks an entry up by its exact (lower-case) name.
    static func named(_ name: String) -> EntrySchema? {
        byName[name]
    }

    private static let byName: [String: EntrySchema] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.name, $0) }
    )
}
