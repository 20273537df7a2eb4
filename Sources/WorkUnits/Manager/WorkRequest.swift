import MeshNode
import MeshProtocol

/// A parsed `work` command, from either syntax, with receptor's error texts.
enum WorkRequest: Equatable {
    case submit(Submission)
    case list(unitID: String?)
    case status(unitID: String)
    case results(unitID: String, startPosition: Int64, signature: String?)
    case cancel(unitID: String, signature: String?)
    case release(unitID: String, force: Bool, signature: String?)

    /// What `work submit` asks for.
    struct Submission: Equatable {
        var node: String
        var workType: String
        var params: [String: String]
        var tlsClient: String?
        var ttl: String?
        var signWork: Bool
        var signature: String?
    }

    static let reservedSubmitKeys: Set<String> = ["node", "worktype", "tlsclient", "ttl", "signwork", "signature", "subcommand"]

    /// Parses the arguments of `work`; throws the text of the `ERROR:` reply.
    static func parse(_ arguments: ControlArguments) throws(WorkRequestError) -> WorkRequest {
        switch arguments {
        case .text(let text): try parse(text: text)
        case .json(let fields): try parse(json: fields)
        }
    }

    private static func parse(text: String) throws(WorkRequestError) -> WorkRequest {
        let tokens = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let sub = (tokens.first ?? "").lowercased()
        let rest = Array(tokens.dropFirst())
        func unitID() throws(WorkRequestError) -> String {
            guard let id = rest.first, !id.isEmpty else { throw WorkRequestError("work \(sub) requires a unit ID") }
            guard rest.count == 1 else { throw WorkRequestError("work \(sub) does not take parameters after the unit ID") }
            return id
        }
        switch sub {
        case "submit":
            guard rest.count >= 2 else { throw WorkRequestError("work submit requires a target node and work type") }
            let words = rest.dropFirst(2).joined(separator: " ")
            return .submit(
                Submission(
                    node: rest[0],
                    workType: rest[1],
                    params: words.isEmpty ? [:] : ["params": words],
                    signWork: false
                )
            )
        case "list":
            if rest.count > 1 { throw WorkRequestError("work list does not take parameters after the unit ID") }
            let id = rest.first ?? ""
            return .list(unitID: id.isEmpty ? nil : id)
        case "status": return .status(unitID: try unitID())
        case "cancel": return .cancel(unitID: try unitID(), signature: nil)
        case "release": return .release(unitID: try unitID(), force: false, signature: nil)
        case "force-release": return .release(unitID: try unitID(), force: true, signature: nil)
        case "results":
            guard let id = rest.first, !id.isEmpty else { throw WorkRequestError("work results requires a unit ID") }
            guard rest.count <= 2 else { throw WorkRequestError("work results does not take parameters after the start position") }
            var start: Int64 = 0
            if rest.count == 2 {
                guard let v = Int64(rest[1]) else {
                    throw WorkRequestError("error converting start position to integer: strconv.ParseInt: parsing \"\(rest[1])\": invalid syntax")
                }
                start = v
            }
            return .results(unitID: id, startPosition: start, signature: nil)
        default:
            throw WorkRequestError("bad command")
        }
    }

    private static func parse(json fields: [String: JSONValue]) throws(WorkRequestError) -> WorkRequest {
        guard case .string(let rawSub)? = fields["subcommand"] else { throw WorkRequestError("bad command") }
        let sub = rawSub.lowercased()
        func string(_ key: String) throws(WorkRequestError) -> String? {
            switch fields[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default: throw WorkRequestError("\(key) must be a string")
            }
        }
        func unitID() throws(WorkRequestError) -> String {
            guard let id = try string("unitid"), !id.isEmpty else { throw WorkRequestError("work \(sub) requires a unit ID") }
            return id
        }
        switch sub {
        case "submit":
            var params: [String: String] = [:]
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                guard case .string(let s) = value else {
                    throw WorkRequestError("submit parameters must all be strings and \(key) is not")
                }
                if !reservedSubmitKeys.contains(key) { params[key] = s }
            }
            guard case .string(let node)? = fields["node"] else { throw WorkRequestError("field node missing") }
            guard case .string(let workType)? = fields["worktype"] else { throw WorkRequestError("field worktype missing") }
            return .submit(
                Submission(
                    node: node,
                    workType: workType,
                    params: params,
                    tlsClient: fields["tlsclient"]?.stringValue,
                    ttl: fields["ttl"]?.stringValue,
                    signWork: fields["signwork"]?.stringValue == "true",
                    signature: fields["signature"]?.stringValue
                )
            )
        case "list":
            return .list(unitID: try string("unitid").flatMap { $0.isEmpty ? nil : $0 })
        case "status": return .status(unitID: try unitID())
        case "cancel": return .cancel(unitID: try unitID(), signature: try string("signature"))
        case "release": return .release(unitID: try unitID(), force: false, signature: try string("signature"))
        case "force-release": return .release(unitID: try unitID(), force: true, signature: try string("signature"))
        case "results":
            let id = try unitID()
            let start: Int64
            switch fields["startpos"] {
            case .int(let v)?: start = v
            case .double(let d)? where d == d.rounded() && abs(d) < 9e18: start = Int64(d)
            case nil: throw WorkRequestError("field startpos missing")
            default: throw WorkRequestError("startpos must be a number")
            }
            return .results(unitID: id, startPosition: start, signature: try string("signature"))
        default:
            throw WorkRequestError("bad command")
        }
    }
}

/// The text of an `ERROR:` reply to a `work` command.
struct WorkRequestError: Error, Equatable, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
