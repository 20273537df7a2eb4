/// Receptor's firewall (`node.firewallrules`): ordered rules, the first whose matchers all match
/// decides; no match accepts. Matchers are exact strings or `/regex/` (anchored, whole string;
/// `(?i)` allowed). Unlike receptor, a regex that does not compile is an error, never a wider rule.
public struct Firewall {
    public enum Action: String, Equatable, Sendable {
        case accept
        case reject
        case drop
    }

    enum Matcher {
        case exact(String)
        case pattern(Regex<AnyRegexOutput>)

        func matches(_ value: String) -> Bool {
            switch self {
            case .exact(let s): s == value
            // A regex compiled from rule text has no custom components, so wholeMatch cannot throw.
            case .pattern(let r): (try? r.wholeMatch(in: value)) != nil
            }
        }
    }

    struct Rule {
        var action: Action
        var matchers: [(field: Field, matcher: Matcher)]
    }

    enum Field: String, CaseIterable {
        case fromnode, tonode, fromservice, toservice
    }

    /// Why a rule is not valid.
    public struct RuleError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    private var rules: [Rule] = []

    /// No rules: everything is accepted.
    public init() {}

    /// - Parameter rules: maps with lower-cased keys `action` and optional `fromnode`, `tonode`,
    ///   `fromservice`, `toservice`.
    public init(rules raw: [[String: String]]) throws(RuleError) {
        for (i, fields) in raw.enumerated() {
            guard let actionText = fields["action"], let action = Action(rawValue: actionText.lowercased()) else {
                throw RuleError(description: "firewall rule \(i + 1): action must be accept, reject or drop")
            }
            var matchers: [(Field, Matcher)] = []
            for field in Field.allCases {
                guard let value = fields[field.rawValue] else { continue }
                if value.count >= 2 && value.hasPrefix("/") && value.hasSuffix("/") {
                    let pattern = String(value.dropFirst().dropLast())
                    do {
                        matchers.append((field, .pattern(try Regex(pattern))))
                    } catch {
                        throw RuleError(description: "firewall rule \(i + 1): \(field.rawValue) regex \(value) does not compile: \(error)")
                    }
                } else {
                    matchers.append((field, .exact(value)))
                }
            }
            rules.append(Rule(action: action, matchers: matchers))
        }
    }

    public var isEmpty: Bool { rules.isEmpty }

    /// The decision for one message.
    public func decide(fromNode: String, fromService: String, toNode: String, toService: String) -> Action {
        for rule in rules {
            let all = rule.matchers.allSatisfy { field, matcher in
                switch field {
                case .fromnode: matcher.matches(fromNode)
                case .tonode: matcher.matches(toNode)
                case .fromservice: matcher.matches(fromService)
                case .toservice: matcher.matches(toService)
                }
            }
            if all { return rule.action }
        }
        return .accept
    }
}
