/// Receptor's command-line grammar (spec §9).
enum CommandLineParser {
    static func parse(_ arguments: [String]) throws(ConfigError) -> CommandLineConfig {
        var result = CommandLineConfig()
        var current: (schema: EntrySchema, fields: [String: ConfigValue], index: Int)?
        var expectingConfigFile = false
        var sawVersion = false

        func finishCurrent() {
            if let entry = current {
                result.inlineItems.append(ConfigItem(name: entry.schema.name, index: entry.index, fields: entry.fields))
                current = nil
            }
        }

        for argument in arguments {
            let lowered = argument.lowercased()
            if lowered == "-h" || lowered == "--help" {
                finishCurrent()
                result.showHelp = true
                return result
            }
            if lowered == "--config-v2" {
                throw ConfigError(message: "the v2 config format (--config-v2) is not supported by receptord")
            }
            if lowered == "--bash-completion" {
                throw ConfigError(message: "--bash-completion is not supported by receptord")
            }
            if lowered.hasPrefix("-") {
                if expectingConfigFile {
                    throw ConfigError(message: "--config requires a file name")
                }
                finishCurrent()
                let name = String(lowered.drop { $0 == "-" })
                if name == "config" || name == "c" {
                    expectingConfigFile = true
                    continue
                }
                if name == "version" {
                    sawVersion = true
                }
                guard let schema = EntrySchema.named(name) else {
                    throw ConfigError(message: "command error: unknown config type \(name)")
                }
                current = (schema, [:], result.inlineItems.count + 1)
                continue
            }
            if expectingConfigFile {
                result.configFiles.append(argument)
                expectingConfigFile = false
                continue
            }
            guard var entry = current else {
                throw ConfigError(message: "parameter specified before command")
            }
            let key: String
            let value: String
            if let equals = argument.firstIndex(of: "=") {
                key = argument[..<equals].lowercased()
                value = String(argument[argument.index(after: equals)...])
            } else {
                guard let bareField = entry.schema.bareField else {
                    throw ConfigError(
                        entry: entry.schema.name,
                        index: entry.index,
                        message: "config error: command does not allow bare values"
                    )
                }
                key = bareField
                value = argument
            }
            if entry.schema.field(key)?.kind == .stringList {
                entry.fields[key] = try appending(value, to: entry.fields[key], entry: entry.schema.name, index: entry.index, field: key)
            } else {
                entry.fields[key] = .string(value)
            }
            current = entry
        }
        if expectingConfigFile {
            throw ConfigError(message: "--config requires a file name")
        }
        finishCurrent()

        if sawVersion {
            let others = result.inlineItems.filter { $0.name != "version" }
            guard others.isEmpty, result.configFiles.isEmpty, result.inlineItems.count == 1 else {
                throw ConfigError(entry: "version", message: "cannot specify any other options with version")
            }
            result.showVersion = true
            result.inlineItems = []
        }
        return result
    }

    /// Repeated list fields accumulate (`allowedpeers=a allowedpeers=b`); a
    /// JSON list (`allowedpeers=["a","b"]`) replaces what came before. Appending to a JSON list that does not
    /// parse is an error: dropping it would silently lose what it listed.
    private static func appending(
        _ value: String,
        to existing: ConfigValue?,
        entry: String,
        index: Int,
        field: String
    ) throws(ConfigError) -> ConfigValue {
        if value.hasPrefix("[") {
            return .string(value)
        }
        switch existing {
        case .list(let values)?:
            return .list(values + [.string(value)])
        case .string(let previous)? where previous.hasPrefix("["):
            guard case .list(let values)? = ConfigValue.parseJSON(previous) else {
                throw ConfigError(entry: entry, index: index, field: field, message: "invalid JSON list \(previous)")
            }
            return .list(values + [.string(value)])
        default:
            return .list([.string(value)])
        }
    }
}
