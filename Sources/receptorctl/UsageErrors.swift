/// Rewrites ArgumentParser's usage-error messages into the wording of the Python client (click),
/// which prints them as `ERROR: <message>` and exits 1.
enum UsageErrors {
    static func pythonStyle(_ message: String, arguments: [String]) -> String {
        // Only the first line: ArgumentParser may add a usage hint or a suggestion.
        let first = message.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? message
        if let name = quoted(first, after: "Missing expected argument '") {
            // `<unit-id>` is click's `unit_id`.
            return "Missing parameter: " + name.trimmingCharacters(in: ["<", ">"]).replacingOccurrences(of: "-", with: "_")
        }
        if let name = quoted(first, after: "Unknown option '") {
            return "No such option: \(name)"
        }
        if let value = quoted(first, after: "Unexpected argument '") {
            // In the command position (after `receptorctl` or `work`), click says no such command.
            let commandPosition = arguments.first == value || (arguments.first == "work" && arguments.dropFirst().first == value)
            return commandPosition ? "No such command '\(value)'." : "Got unexpected extra argument (\(value))"
        }
        if let option = quoted(first, after: "Missing value for '") {
            return "Option '\(option.split(separator: " ").first ?? "")' requires an argument."
        }
        if let value = quoted(first, after: "The value '"), let option = quoted(first, after: "' is invalid for '") {
            switch option.split(separator: " ").first ?? "" {
            case "--count": return "'\(value)' is not a valid integer."
            case "--delay": return "'\(value)' is not a valid float."
            default: break
            }
        }
        return first
    }

    /// The text between `prefix` and the next `'`.
    private static func quoted(_ text: String, after prefix: String) -> String? {
        guard let start = text.range(of: prefix)?.upperBound, let end = text[start...].firstIndex(of: "'") else { return nil }
        return String(text[start..<end])
    }
}
