/// A configuration problem, located as precisely as the input allows.
///
/// `description` is a single line that names the entry, its 1-based item
/// number and the field, for example:
///
///     tcp-peer (item 4): field "cost": must be greater than 0
///     item 2: config format invalid: item has multiple names
///
/// Wherever the receptor specification gives a message text, ``message``
/// carries that text unchanged, so operators see familiar errors.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The entry name the problem belongs to (`"tcp-peer"`), if known.
    public var entry: String?
    /// The 1-based position of the item in its file (or among the
    /// command-line entries), if known.
    public var index: Int?
    /// The lower-case field name the problem belongs to, if any.
    public var field: String?
    /// The problem itself, without location.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - entry: The entry name, such as `"tcp-listener"`.
    ///   - index: The 1-based item position.
    ///   - field: The lower-case field name.
    ///   - message: The problem, without location.
    public init(entry: String? = nil, index: Int? = nil, field: String? = nil, message: String) {
        self.entry = entry
        self.index = index
        self.field = field
        self.message = message
    }

    /// One line naming the entry, item number and field, followed by the message.
    public var description: String {
        var text = ""
        switch (entry, index) {
        case let (entry?, index?):
            text = "\(entry) (item \(index)): "
        case let (entry?, nil):
            text = "\(entry): "
        case let (nil, index?):
            text = "item \(index): "
        case (nil, nil):
            break
        }
        if let field, !Self.message(message, names: field) {
            text += "field \"\(field)\": "
        }
        return text + message
    }

    /// Whether `message` already names `field` as a whole word, in which case
    /// repeating it as a prefix would only add noise.
    private static func message(_ message: String, names field: String) -> Bool {
        guard !field.isEmpty else { return true }
        var searchStart = message.startIndex
        while let range = message.range(of: field, range: searchStart..<message.endIndex) {
            let before = range.lowerBound == message.startIndex ? nil : message[message.index(before: range.lowerBound)]
            let after = range.upperBound == message.endIndex ? nil : message[range.upperBound]
            if !isWordCharacter(before) && !isWordCharacter(after) {
                return true
            }
            searchStart = message.index(after: range.lowerBound)
        }
        return false
    }

    private static func isWordCharacter(_ character: Character?) -> Bool {
        guard let character else { return false }
        return character.isLetter || character.isNumber || character == "_" || character == "-"
    }
}
