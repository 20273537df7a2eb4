import Yams

/// What `ansible-runner worker --worker-info` prints (YAML), checked as AWX checks it.
public struct WorkerInfo: Equatable, Sendable {
    public var cpuCount: Double
    public var memoryBytes: Int64
    public var runnerVersion: String
    public var uuid: String?
    public var errors: [String]

    /// A reason the output is not usable, worded for an operator.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Parses the probe's output. AWX strips it and loads it as YAML; it must be a map with
    /// `cpu_count`, `mem_in_bytes` and `runner_version` unless it reports errors.
    public static func parse(_ text: String) throws(ParseError) -> WorkerInfo {
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: text.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw ParseError(description: "worker output is not YAML: \(String(text.prefix(200)))")
        }
        guard let map = loaded as? [String: Any] else {
            throw ParseError(description: "worker output is not a map: \(String(text.prefix(200)))")
        }
        let errors = (map["errors"] as? [Any])?.map { "\($0)" } ?? []
        var missing: [String] = []
        let cpu = number(map["cpu_count"])
        let mem = number(map["mem_in_bytes"])
        let version = map["runner_version"].map { "\($0)" }
        if cpu == nil { missing.append("cpu_count") }
        if mem == nil { missing.append("mem_in_bytes") }
        if version == nil { missing.append("runner_version") }
        if !missing.isEmpty && errors.isEmpty {
            throw ParseError(description: "Worker failed to return keys \(missing.joined(separator: " "))")
        }
        return WorkerInfo(
            cpuCount: cpu ?? 0,
            memoryBytes: Int64(mem ?? 0),
            runnerVersion: version ?? "",
            uuid: map["uuid"].map { "\($0)" },
            errors: errors
        )
    }

    private static func number(_ v: Any?) -> Double? {
        switch v {
        case let i as Int: Double(i)
        case let d as Double: d
        case let s as String: Double(s)
        default: nil
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}

extension Set where Element == Character {
    fileprivate static let whitespacesAndNewlines: Set<Character> = [" ", "\n", "\t", "\r"]
}
