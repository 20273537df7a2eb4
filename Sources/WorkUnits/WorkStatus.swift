import Foundation
import MeshProtocol

/// A work unit's status record: the reply to `work status`, the values of `work list`, and the content of the
/// unit's `status` file.
///
/// JSON member names are receptor's: `State`, `Detail`, `StdoutSize`, `WorkType`, `ExtraData`, plus `StateName`
/// in control replies only.
public struct WorkStatus: Sendable, Equatable {
    /// The raw `State`; see ``WorkState``. Unknown values are kept.
    public var state: Int
    /// Human-readable detail; clients match some values exactly (`exit status 0`, `Canceled`).
    public var detail: String
    /// Bytes of stdout (for a remote unit, the remote's count).
    public var stdoutSize: Int64
    /// The configured work type, or `"remote"`.
    public var workType: String
    /// Work-type-specific data.
    public var extraData: ExtraData

    /// Creates a status record.
    /// - Parameters:
    ///   - state: The state.
    ///   - detail: The detail text; `Unit Created` by default.
    ///   - stdoutSize: Bytes of stdout.
    ///   - workType: The work type.
    ///   - extraData: Work-type-specific data.
    public init(
        state: WorkState = .pending,
        detail: String = "Unit Created",
        stdoutSize: Int64 = 0,
        workType: String,
        extraData: ExtraData = .none
    ) {
        self.init(rawState: state.rawValue, detail: detail, stdoutSize: stdoutSize, workType: workType, extraData: extraData)
    }

    /// Creates a status record with a raw state value.
    public init(rawState: Int, detail: String, stdoutSize: Int64, workType: String, extraData: ExtraData) {
        self.state = rawState
        self.detail = detail
        self.stdoutSize = stdoutSize
        self.workType = workType
        self.extraData = extraData
    }

    /// The state as a ``WorkState``, or `nil` for an unknown value.
    public var workState: WorkState? {
        get { WorkState(rawValue: state) }
        set { if let newValue { state = newValue.rawValue } }
    }

    /// The `StateName`: `Pending` … `Canceled`, or `Unknown: <n>`.
    public var stateName: String { WorkState.name(forRawValue: state) }

    /// Whether the unit is complete in receptor's sense (succeeded or failed).
    public var isComplete: Bool { WorkState.isComplete(rawValue: state) }

    /// Whether the unit's state is final (complete or canceled).
    public var isTerminal: Bool { WorkState.isTerminal(rawValue: state) }

    // MARK: - Control replies

    /// The record as a control reply shows it: with `StateName`, and without `secret_*` remote parameters.
    public func controlObject() -> WorkJSON {
        var members = baseMembers(extra: extraData.jsonValue(remoteParams: extraData.remote?.redactedParams))
        members["StateName"] = .string(stateName)
        return .object(members)
    }

    /// ``controlObject()`` as compact JSON (no trailing newline).
    public func controlJSON() -> Data {
        controlObject().serializedData()
    }

    /// ``controlObject()`` as compact JSON text (no trailing newline).
    public func controlJSONString() -> String {
        controlObject().serialized()
    }

    /// The `work list` reply: an object from unit ID to ``controlObject()``; `{}` when empty.
    public static func listJSON(_ units: [String: WorkStatus]) -> Data {
        WorkJSON.object(units.mapValues { $0.controlObject() }).serializedData()
    }

    // MARK: - Disk form

    /// The record as the `status` file holds it: no `StateName`, and every `secret_*` remote parameter sealed
    /// with `secrets` (``SecretBox``), so no secret is written in clear. The key is touched only if there are
    /// secrets.
    /// - Throws: ``WorkUnitError`` if a secret cannot be sealed.
    public func diskJSON(secrets: SecretBox) throws -> Data {
        var extra = extraData.jsonValue()
        if let remote = extraData.remote, remote.hasSecrets {
            var sealed: [String: String] = [:]
            for (key, value) in remote.remoteParams {
                sealed[key] = RemoteExtra.isSecretKey(key) ? try secrets.seal(value, context: key) : value
            }
            extra = remote.jsonValue(params: sealed)
        }
        return WorkJSON.object(baseMembers(extra: extra)).serializedData()
    }

    /// Decodes a `status` file, unsealing secret parameters with `secrets`.
    ///
    /// A secret value that is not sealed (a file written by receptor, which keeps secrets in clear) is taken as is;
    /// it is sealed on the next write.
    /// - Throws: ``WorkUnitError`` with code ``WorkUnitError/Code/corruptStatus`` for malformed JSON, or
    ///   ``WorkUnitError/Code/secrets`` if a sealed value cannot be opened.
    public init(diskJSON data: Data, secrets: SecretBox) throws {
        try self.init(json: data)
        guard case .remote(var remote) = extraData, remote.hasSecrets else { return }
        for (key, value) in remote.remoteParams where RemoteExtra.isSecretKey(key) && SecretBox.isSealed(value) {
            remote.remoteParams[key] = try secrets.open(value, context: key)
        }
        extraData = .remote(remote)
    }

    /// Decodes a status record in either form (a `work status` reply or a `status` file); `StateName` and unknown
    /// members are ignored, absent members take zero values (as Go's decoder does), and values are not unsealed.
    /// - Throws: ``WorkUnitError`` with code ``WorkUnitError/Code/corruptStatus`` if `data` is not a JSON object
    ///   or a member has the wrong type.
    public init(json data: Data) throws {
        let value: WorkJSON
        do {
            value = try WorkJSON.parse(data)
        } catch {
            throw WorkUnitError(.corruptStatus, "status is not valid JSON")
        }
        try self.init(jsonValue: value)
    }

    /// Decodes a status record from a parsed JSON value; see ``init(json:)``.
    public init(jsonValue value: WorkJSON) throws {
        guard case .object(let members) = value else {
            throw WorkUnitError(.corruptStatus, "status is not a JSON object")
        }
        func member<T>(_ key: String, _ read: (WorkJSON) -> T?) throws -> T? {
            guard let value = members[key], value != .null else { return nil }
            guard let typed = read(value) else {
                throw WorkUnitError(.corruptStatus, "status member \(key) has the wrong type")
            }
            return typed
        }
        let state = try member("State") { $0.int64Value.flatMap { Int(exactly: $0) } } ?? 0
        let workType = try member("WorkType", \.stringValue) ?? ""
        self.init(
            rawState: state,
            detail: try member("Detail", \.stringValue) ?? "",
            stdoutSize: try member("StdoutSize", \.int64Value) ?? 0,
            workType: workType,
            extraData: ExtraData(json: members["ExtraData"] ?? .null, workType: workType)
        )
    }

    private func baseMembers(extra: WorkJSON) -> [String: WorkJSON] {
        [
            "State": .int(Int64(state)),
            "Detail": .string(detail),
            "StdoutSize": .int(stdoutSize),
            "WorkType": .string(workType),
            "ExtraData": extra,
        ]
    }
}
