/// How receptord treats an entry it can parse.
enum EntrySupport: Sendable, Equatable {
    /// Built into a typed entry of ``ReceptorConfig``.
    case supported
    /// Validated, then recorded in ``ReceptorConfig/unsupported`` with this reason.
    case unsupported(String)
}
