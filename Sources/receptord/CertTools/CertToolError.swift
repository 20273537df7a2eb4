/// A failure of one of the certificate utilities (`cert-init`, `cert-makereq`, `cert-signreq`).
///
/// The description names the entry, and the field when one is to blame, for example
/// `cert-makereq: field "ipaddress": invalid IP address 300.1.1.1`.
struct CertToolError: Error, CustomStringConvertible {
    /// The entry being run, such as `"cert-init"`.
    var entry: String
    /// The lower-case field the problem belongs to, if any.
    var field: String?
    /// The problem itself.
    var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - entry: The entry name.
    ///   - field: The field to blame, if any.
    ///   - message: The problem.
    init(_ entry: String, field: String? = nil, _ message: String) {
        self.entry = entry
        self.field = field
        self.message = message
    }

    /// One line: entry, optional field, message.
    var description: String {
        if let field {
            return "\(entry): field \"\(field)\": \(message)"
        }
        return "\(entry): \(message)"
    }
}
