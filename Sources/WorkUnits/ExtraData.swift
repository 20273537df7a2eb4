/// The `ExtraData` member of a status record, whose shape depends on the work type.
public enum ExtraData: Sendable, Equatable {
    /// JSON `null`: a command unit whose process has exited, or a unit with no extra data.
    case none
    /// A command unit while pending or running: `{"Pid": int, "Params": string}`.
    ///
    /// `pid` is `nil` before the process exists; it is written as `0`, as Go does, and `0` reads back as `nil`.
    case command(pid: Int?, params: String)
    /// A unit that proxies work on another node.
    case remote(RemoteExtra)
    /// A unit on disk whose work type is not configured: the JSON string `"Unknown WorkType"`.
    case unknownWorkType
    /// Anything else (for example another daemon's worker type), kept verbatim.
    case raw(WorkJSON)

    /// The JSON text of ``unknownWorkType``.
    public static let unknownWorkTypeText = "Unknown WorkType"

    /// The remote extra data, if this is ``remote(_:)``.
    public var remote: RemoteExtra? {
        if case .remote(let extra) = self { return extra }
        return nil
    }

    /// The JSON value, with a remote unit's parameters replaced by `remoteParams` when given.
    func jsonValue(remoteParams: [String: String]? = nil) -> WorkJSON {
        switch self {
        case .none:
            .null
        case .command(let pid, let params):
            .object(["Pid": .int(Int64(pid ?? 0)), "Params": .string(params)])
        case .remote(let extra):
            extra.jsonValue(params: remoteParams ?? extra.remoteParams)
        case .unknownWorkType:
            .string(Self.unknownWorkTypeText)
        case .raw(let value):
            value
        }
    }

    /// Classifies a decoded `ExtraData` value.
    ///
    /// An object is remote data when `workType` is `"remote"` and its members have the right types; an object
    /// with only `Pid` (integer) and `Params` (string) members is command data; everything else is ``raw(_:)``.
    init(json value: WorkJSON, workType: String) {
        switch value {
        case .null:
            self = .none
        case .string(Self.unknownWorkTypeText):
            self = .unknownWorkType
        case .object(let members):
            if workType == "remote", let extra = RemoteExtra(json: members) {
                self = .remote(extra)
            } else if let command = Self.command(members) {
                self = command
            } else {
                self = .raw(value)
            }
        default:
            self = .raw(value)
        }
    }

    private static func command(_ members: [String: WorkJSON]) -> ExtraData? {
        guard !members.isEmpty, members.keys.allSatisfy({ $0 == "Pid" || $0 == "Params" }) else { return nil }
        var pid: Int?
        switch members["Pid"] {
        case nil, .null?:
            pid = nil
        case let value?:
            guard let number = value.int64Value, let exact = Int(exactly: number), exact >= 0 else { return nil }
            pid = exact == 0 ? nil : exact
        }
        var params = ""
        switch members["Params"] {
        case nil, .null?:
            break
        case let value?:
            guard let text = value.stringValue else { return nil }
            params = text
        }
        return .command(pid: pid, params: params)
    }
}
