import Foundation

/// Entry points: read receptor v1 YAML files and the receptor-style command line.
///
/// Both paths produce ``ConfigItem``s and go through ``build(items:)``, so a
/// daemon can combine the items of its `-c` files with its inline entries.
public enum ConfigLoader {
    /// Parses and validates a v1 config document.
    ///
    /// Only the first YAML document is read. A map-shaped (v2) document is rejected.
    /// - Parameter yaml: The file contents.
    /// - Returns: The validated config.
    /// - Throws: ``ConfigError``.
    public static func parse(yaml: String) throws(ConfigError) -> ReceptorConfig {
        try build(items: items(yaml: yaml))
    }

    /// Reads, parses and validates a v1 config file.
    /// - Parameter path: The file path.
    /// - Returns: The validated config.
    /// - Throws: ``ConfigError``, also for a file that cannot be read.
    public static func load(path: String) throws(ConfigError) -> ReceptorConfig {
        try build(items: loadItems(path: path))
    }

    /// Parses a v1 config document into items without validating their fields.
    ///
    /// Entry names are checked (they decide how a bare value is stored); field
    /// names and values are checked by ``build(items:)``.
    /// - Parameter yaml: The file contents.
    /// - Returns: The items in file order, numbered from 1.
    /// - Throws: ``ConfigError`` for YAML syntax errors and malformed items.
    public static func items(yaml: String) throws(ConfigError) -> [ConfigItem] {
        try YAMLConfigReader.items(from: yaml)
    }

    /// Reads a v1 config file into items; see ``items(yaml:)``.
    /// - Parameter path: The file path.
    /// - Returns: The items in file order.
    /// - Throws: ``ConfigError``, also for a file that cannot be read.
    public static func loadItems(path: String) throws(ConfigError) -> [ConfigItem] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(message: "error loading config file: open \(path): \(readFailureReason(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(message: "error loading config file: \(path) is not valid UTF-8")
        }
        return try items(yaml: text)
    }

    /// Validates items and builds the typed config, taking the default node ID
    /// from the system host name.
    /// - Parameter items: File items followed by inline items.
    /// - Returns: The validated config.
    /// - Throws: ``ConfigError`` naming the entry, item and field.
    public static func build(items: [ConfigItem]) throws(ConfigError) -> ReceptorConfig {
        try build(items: items, hostName: ConfigBuilder.systemHostName())
    }

    /// Validates items and builds the typed config with a given host name.
    /// - Parameters:
    ///   - items: File items followed by inline items.
    ///   - hostName: The host name used as node ID when `node.id` is not set.
    /// - Returns: The validated config.
    /// - Throws: ``ConfigError`` naming the entry, item and field.
    public static func build(items: [ConfigItem], hostName: String) throws(ConfigError) -> ReceptorConfig {
        try ConfigBuilder.build(items: items, hostName: hostName)
    }

    /// Parses receptor's command line (spec §9): `-c/--config FILE`,
    /// `--version`, `-h/--help` and inline entries such as
    /// `--tcp-listener port=2222` or `--tcp-peer host:2222 cost=2`.
    ///
    /// Inline entries are checked for entry names and bare values here; their
    /// fields are validated by ``build(items:)``.
    /// - Parameter arguments: The arguments, without the program name.
    /// - Returns: The parsed command line.
    /// - Throws: ``ConfigError``.
    public static func parse(arguments: [String]) throws(ConfigError) -> CommandLineConfig {
        try CommandLineParser.parse(arguments)
    }

    /// Help text listing every entry and its fields, like `receptor --help`.
    /// - Parameter programName: The name to show in the usage line.
    /// - Returns: Multi-line help text.
    public static func helpText(programName: String = "receptord") -> String {
        var lines = [
            "Usage: \(programName) [--<action> [<param>=<value> ...] ...]",
            "",
            "   --help: Show this help",
            "",
            "   --config <filename>: Load additional config options from a file",
            "",
        ]
        for schema in EntrySchema.all where !schema.hidden {
            var header = "   --\(schema.name): \(schema.help)"
            if case .unsupported = schema.support {
                header += " (accepted, not run by receptord)"
            }
            lines.append(header)
            for field in schema.fields {
                var line = "      \(field.name)=<\(field.kind.goName)>"
                if !field.help.isEmpty {
                    line += ": \(field.help)"
                }
                if field.required {
                    line += " (required)"
                }
                lines.append(line)
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    private static func readFailureReason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain,
            let code = POSIXErrorCode(rawValue: Int32(underlying.code))
        {
            return posixReason(code)
        }
        if nsError.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: nsError.code) {
            case .fileReadNoSuchFile, .fileNoSuchFile:
                return "no such file or directory"
            case .fileReadNoPermission:
                return "permission denied"
            default:
                break
            }
        }
        return nsError.localizedDescription
    }

    private static func posixReason(_ code: POSIXErrorCode) -> String {
        switch code {
        case .ENOENT: return "no such file or directory"
        case .EACCES: return "permission denied"
        case .EISDIR: return "is a directory"
        default: return String(cString: strerror(code.rawValue)).lowercased()
        }
    }
}
