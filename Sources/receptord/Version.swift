/// The version `receptord --version` and `status` report.
enum ReceptordVersion {
    static let current = "0.1.0"
}
