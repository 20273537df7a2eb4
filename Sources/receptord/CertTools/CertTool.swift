import MeshConfig

/// Runs receptor's exclusive certificate entries (`cert-init`, `cert-makereq`,
/// `cert-signreq`; config-format.md §5.8): the process does only that and exits.
enum CertTool {
    /// The entries this type runs.
    static let entryNames: Set<String> = ["cert-init", "cert-makereq", "cert-signreq"]

    /// Runs one exclusive item.
    /// - Parameter item: A `cert-*` item from ``ReceptorConfig/exclusive``.
    /// - Throws: ``CertToolError`` naming the entry (and field) on failure.
    static func run(_ item: ConfigItem) throws(CertToolError) {
        let fields = CertToolFields(item)
        switch item.name {
        case "cert-init":
            try CertInitTool.run(fields)
        case "cert-makereq":
            try CertMakeReqTool.run(fields)
        case "cert-signreq":
            try CertSignReqTool.run(fields)
        default:
            throw CertToolError(item.name, "\(item.name) is not a certificate utility")
        }
    }
}
