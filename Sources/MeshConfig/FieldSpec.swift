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
