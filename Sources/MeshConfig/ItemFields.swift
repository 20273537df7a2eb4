/// One item whose fields were checked against its schema and converted to
/// their receptor types. Accessors return `nil` for fields not given.
struct ItemFields {
    let item: ConfigItem
    let schema: EntrySchema
    let values: [String: TypedValue]

    var name: String { item.name }
    var index: Int { item.index }

    /// Checks field names, converts values and checks required fields, in receptor's order.
    init(validating item: ConfigItem) throws(ConfigError) {
        guard let schema = EntrySchema.named(item.name) else {
            throw ConfigError(
                index: item.index,
                message: "could not get config type for command \(item.name): unknown config type \(item.name)"
            )
        }
        var values: [String: TypedValue] = [:]
        for key in item.fields.keys.sorted() {
            guard let spec = schema.field(key), let value = item.fields[key] else {
                throw ConfigError(
                    entry: item.name,
                    index: item.index,
                    field: key,
                    message: "field \(key) not defined for command \(item.name)"
                )
            }
            do {
                values[key] = try FieldConverter.convert(value, to: spec.kind)
            } catch {
                throw ConfigError(entry: item.name, index: item.index, field: key, message: error.message)
            }
        }
        let missing = schema.requiredFields.filter { item.fields[$0] == nil }
        if let first = missing.first {
            throw ConfigError(
                entry: item.name,
                index: item.index,
                field: first,
                message: "required parameter\(missing.count > 1 ? "s" : "") missing: \(missing.joined(separator: ", "))"
            )
        }
        self.item = item
        self.schema = schema
        self.values = values
    }

    func error(_ field: String?, _ message: String) -> ConfigError {
        ConfigError(entry: name, index: index, field: field, message: message)
    }

    func has(_ field: String) -> Bool {
        values[field] != nil
    }

    func string(_ field: String) -> String? {
        if case .string(let s)? = values[field] { return s }
        return nil
    }

    /// The string, with `""` treated like an absent field (receptor's "none").
    func nonEmptyString(_ field: String) -> String? {
        guard let s = string(field), !s.isEmpty else { return nil }
        return s
    }

    func int(_ field: String) throws(ConfigError) -> Int? {
        guard case .int(let i)? = values[field] else { return nil }
        guard let value = Int(exactly: i) else {
            throw error(field, "value \(i) is out of range")
        }
        return value
    }

    func float(_ field: String) -> Double? {
        if case .float(let d)? = values[field] { return d }
        return nil
    }

    func bool(_ field: String) -> Bool? {
        if case .bool(let b)? = values[field] { return b }
        return nil
    }

    /// A list field; an explicit null reads as absent.
    func stringList(_ field: String) -> [String]? {
        if case .stringList(let list)? = values[field] { return list }
        return nil
    }

    func floatMap(_ field: String) -> [String: Double]? {
        if case .floatMap(let map)? = values[field] { return map }
        return nil
    }

    func mapList(_ field: String) -> [[String: ConfigValue]]? {
        if case .mapList(let list)? = values[field] { return list }
        return nil
    }

    func map(_ field: String) -> [String: ConfigValue]? {
        if case .map(let map)? = values[field] { return map }
        return nil
    }

    /// A Go duration string field; `""` reads as absent.
    func duration(_ field: String) throws(ConfigError) -> Duration? {
        guard let text = nonEmptyString(field) else { return nil }
        do {
            return try GoDuration.parse(text)
        } catch {
            throw self.error(field, error.description)
        }
    }

    /// A positive link cost (default 1.0).
    func cost() throws(ConfigError) -> Double {
        let cost = float("cost") ?? 1.0
        guard cost > 0, cost.isFinite else {
            throw error("cost", "must be greater than 0")
        }
        return cost
    }

    /// Per-node costs, each positive.
    func nodeCost() throws(ConfigError) -> [String: Double] {
        let costs = floatMap("nodecost") ?? [:]
        for node in costs.keys.sorted() {
            guard let cost = costs[node], cost > 0, cost.isFinite else {
                throw error("nodecost", "cost for node \(node) must be greater than 0")
            }
        }
        return costs
    }

    /// A TCP/UDP port in 0...65535.
    func port(_ field: String = "port") throws(ConfigError) -> Int {
        let port = try int(field) ?? 0
        guard (0...65535).contains(port) else {
            throw error(field, "port \(port) is out of range (0-65535)")
        }
        return port
    }
}
