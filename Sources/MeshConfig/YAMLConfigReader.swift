import Yams

/// Reads a v1 config document (a YAML list of entries) into ``ConfigItem``s.
///
/// Aliases are expanded as they are read, and each level of aliases to aliases multiplies the
/// work: 300 bytes of nested ten-alias lists stand for 10^5 values and more (found by the
/// config fuzz harness; a 376-byte file took over three minutes). Expansion therefore has a
/// budget of ``maximumExpandedValues``; past it the file is refused with Go yaml's own words.
enum YAMLConfigReader {
    /// Most values (scalars, lists and maps, aliases counted each time they are used) one
    /// document may expand to. Real configs have a few hundred.
    static let maximumExpandedValues = 200_000

    /// What is left of the expansion budget while one document is read.
    struct Budget {
        var remaining = YAMLConfigReader.maximumExpandedValues

        mutating func spend() throws(ConfigError) {
            remaining -= 1
            if remaining < 0 { throw ConfigError(message: "yaml: document contains excessive aliasing") }
        }
    }

    static func items(from yaml: String) throws(ConfigError) -> [ConfigItem] {
        var budget = Budget()
        let root: Node?
        do {
            let parser = try Parser(yaml: yaml, resolver: .basic, constructor: .default, encoding: .utf8)
            root = try parser.nextRoot()
        } catch let error as YamlError {
            throw ConfigError(message: describe(error))
        } catch {
            throw ConfigError(message: "yaml: \(error)")
        }
        guard let root else {
            return []
        }
        switch root {
        case .sequence(let sequence):
            var items: [ConfigItem] = []
            for (offset, node) in Array(sequence).enumerated() {
                items.append(try item(from: node, index: offset + 1, budget: &budget))
            }
            return items
        case .mapping:
            throw ConfigError(
                message: "config format invalid: the file is a YAML map (receptor v2 format), "
                    + "which is not supported; write a YAML list of entries (v1 format)"
            )
        case .scalar(let scalar):
            if case .null = try YAMLScalarResolver.value(of: scalar) {
                return []
            }
            throw ConfigError(message: "config format invalid: expected a YAML list of entries, found a scalar")
        case .alias:
            throw ConfigError(message: "config format invalid: expected a YAML list of entries")
        }
    }

    private static func item(from node: Node, index: Int, budget: inout Budget) throws(ConfigError) -> ConfigItem {
        let name: String
        let body: Node?
        switch node {
        case .scalar(let scalar):
            guard case .string(let text) = try YAMLScalarResolver.value(of: scalar) else {
                throw ConfigError(index: index, message: "unknown config file format")
            }
            name = text
            body = nil
        case .mapping(let mapping):
            let pairs = Array(mapping)
            guard pairs.count == 1, let pair = pairs.first else {
                throw ConfigError(index: index, message: "config format invalid: item has multiple names")
            }
            guard case .string(let text) = try key(pair.key) else {
                throw ConfigError(index: index, message: "section key is not a string")
            }
            name = text
            body = pair.value
        case .sequence, .alias:
            throw ConfigError(index: index, message: "unknown config file format")
        }

        guard let schema = EntrySchema.named(name) else {
            throw ConfigError(
                index: index,
                message: "could not get config type for command \(name): unknown config type \(name)"
            )
        }
        guard let body else {
            return ConfigItem(name: name, index: index)
        }
        switch body {
        case .scalar(let scalar):
            let value = try YAMLScalarResolver.value(of: scalar)
            if case .null = value {
                return ConfigItem(name: name, index: index)
            }
            guard let bareField = schema.bareField else {
                throw ConfigError(
                    entry: name,
                    index: index,
                    message: "could not get barevalue for command \(name): command does not allow bare values"
                )
            }
            return ConfigItem(name: name, index: index, fields: [bareField: value])
        case .mapping(let mapping):
            var fields: [String: ConfigValue] = [:]
            for (keyNode, valueNode) in try mergedPairs(mapping, budget: &budget) {
                guard case .string(let key) = try key(keyNode) else {
                    throw ConfigError(entry: name, index: index, message: "invalid config format for \(name)")
                }
                let lowered = key.lowercased()
                guard fields[lowered] == nil else {
                    throw ConfigError(
                        entry: name,
                        index: index,
                        field: lowered,
                        message: "field \(lowered) is given more than once"
                    )
                }
                fields[lowered] = try value(of: valueNode, budget: &budget)
            }
            return ConfigItem(name: name, index: index, fields: fields)
        case .sequence, .alias:
            throw ConfigError(entry: name, index: index, message: "invalid config format for \(name)")
        }
    }

    /// A mapping key: plain keys are typed like values (so `yes:` is a bool key).
    private static func key(_ node: Node) throws(ConfigError) -> ConfigValue {
        guard case .scalar(let scalar) = node else {
            return .null
        }
        switch scalar.style {
        case .plain, .any:
            return YAMLScalarResolver.resolvePlain(scalar.string)
        case .singleQuoted, .doubleQuoted, .literal, .folded:
            return .string(scalar.string)
        }
    }

    /// Converts any node to a ``ConfigValue``.
    static func value(of node: Node, budget: inout Budget) throws(ConfigError) -> ConfigValue {
        try budget.spend()
        switch node {
        case .scalar(let scalar):
            return try YAMLScalarResolver.value(of: scalar)
        case .sequence(let sequence):
            var values: [ConfigValue] = []
            for element in Array(sequence) {
                values.append(try value(of: element, budget: &budget))
            }
            return .list(values)
        case .mapping(let mapping):
            var values: [String: ConfigValue] = [:]
            for (keyNode, valueNode) in try mergedPairs(mapping, budget: &budget) {
                guard case .scalar(let keyScalar) = keyNode else {
                    throw ConfigError(message: "config format invalid: map keys must be scalars")
                }
                values[keyScalar.string] = try value(of: valueNode, budget: &budget)
            }
            return .map(values)
        case .alias:
            throw ConfigError(message: "config format invalid: unresolved alias")
        }
    }

    /// The pairs of a mapping with YAML merge keys (`<<: *anchor`) expanded;
    /// keys written in the mapping itself win over merged ones.
    private static func mergedPairs(_ mapping: Node.Mapping, budget: inout Budget) throws(ConfigError) -> [(Node, Node)] {
        try budget.spend()
        var own: [(Node, Node)] = []
        var merged: [(Node, Node)] = []
        for (keyNode, valueNode) in mapping {
            if case .scalar(let scalar) = keyNode, scalar.string == "<<", scalar.style == .plain {
                let sources: [Node]
                switch valueNode {
                case .mapping:
                    sources = [valueNode]
                case .sequence(let sequence):
                    sources = Array(sequence)
                default:
                    throw ConfigError(message: "yaml: map merge requires map or sequence of maps as the value")
                }
                for source in sources {
                    guard case .mapping(let sourceMapping) = source else {
                        throw ConfigError(message: "yaml: map merge requires map or sequence of maps as the value")
                    }
                    merged.append(contentsOf: try mergedPairs(sourceMapping, budget: &budget))
                }
            } else {
                own.append((keyNode, valueNode))
            }
        }
        guard !merged.isEmpty else { return own }
        var seen = Set(own.compactMap { $0.0.scalar?.string })
        var result = own
        for pair in merged {
            let text = pair.0.scalar?.string
            if let text {
                guard !seen.contains(text) else { continue }
                seen.insert(text)
            }
            result.append(pair)
        }
        return result
    }

    /// One line for a Yams error: `yaml: line 3 column 5: <problem>`.
    private static func describe(_ error: YamlError) -> String {
        switch error {
        case let .scanner(context, problem, mark, _),
            let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return "yaml: line \(mark.line) column \(mark.column): \(prefix)\(problem)"
        case let .reader(problem, offset, _, _):
            return "yaml: \(problem)" + (offset.map { " at offset \($0)" } ?? "")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.sorted().joined(separator: ", ")
            return "yaml: line \(context.mark.line): mapping key(s) \(keys) given more than once"
        default:
            return "yaml: \(error.description)"
        }
    }
}
