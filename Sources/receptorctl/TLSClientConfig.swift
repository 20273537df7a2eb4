import Foundation

/// The `tls-client` settings the Python receptorctl reads from a receptor YAML config with
/// `--config FILE --tls-client NAME`: `rootcas`, `key`, `cert` and `insecureskipverify`.
///
/// Receptor configs are a list of one-key maps; this reads only the block form
/// (`- tls-client:` followed by indented `key: value` lines), which is what those entries use.
struct TLSClientConfig: Equatable {
    var rootCAs: String?
    var key: String?
    var cert: String?
    var insecureSkipVerify: Bool?

    /// The entry named `name`, or nil if there is none (Python then keeps the command-line values).
    static func load(file: String, name: String) throws -> TLSClientConfig? {
        guard let data = FileManager.default.contents(atPath: file) else {
            let e = FileManager.default.fileExists(atPath: file) ? EACCES : ENOENT
            throw ClientError("[Errno \(e)] \(String(cString: strerror(e))): '\(file)'")
        }
        for entry in entries(in: String(decoding: data, as: UTF8.self)) where entry["name"] == name {
            var c = TLSClientConfig()
            c.rootCAs = entry["rootcas"]
            c.key = entry["key"]
            c.cert = entry["cert"]
            c.insecureSkipVerify = entry["insecureskipverify"].map { ["true", "yes", "on"].contains($0.lowercased()) }
            return c
        }
        return nil
    }

    /// The scalar fields of every top-level `tls-client` entry, in file order.
    static func entries(in text: String) -> [[String: String]] {
        var result: [[String: String]] = []
        var current: [String: String]?
        var fieldIndent: Int?
        func finish() {
            if let c = current { result.append(c) }
            current = nil
            fieldIndent = nil
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let indent = line.prefix { $0 == " " }.count
            if indent == 0 {
                finish()
                if trimmed.hasPrefix("-") && trimmed.dropFirst().trimmingCharacters(in: .whitespaces) == "tls-client:" {
                    current = [:]
                }
                continue
            }
            guard current != nil else { continue }
            if fieldIndent == nil { fieldIndent = indent }
            guard indent == fieldIndent, let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = String(trimmed[..<colon])
            current?[key] = scalar(String(trimmed[trimmed.index(after: colon)...]))
        }
        finish()
        return result
    }

    /// A plain, single- or double-quoted YAML scalar, without a trailing comment.
    static func scalar(_ text: String) -> String {
        var v = text.trimmingCharacters(in: .whitespaces)
        if let q = v.first, q == "\"" || q == "'", v.count >= 2, let end = v.dropFirst().firstIndex(of: q) {
            return String(v[v.index(after: v.startIndex)..<end])
        }
        if let hash = v.range(of: " #") { v = String(v[..<hash.lowerBound]) }
        return v.trimmingCharacters(in: .whitespaces)
    }
}
