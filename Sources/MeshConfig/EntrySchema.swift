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
