import Foundation
import MeshProtocol

/// The `ExtraData` of a unit that proxies work on another node (`WorkType` `"remote"`).
///
/// Field names on the wire and on disk are receptor's: `RemoteNode`, `RemoteWorkType`, `RemoteParams`,
/// `RemoteUnitID`, `RemoteStarted`, `LocalCancelled`, `LocalReleased`, `SignWork`, `TLSClient`, `Expiration`.
public struct RemoteExtra: Sendable, Equatable {
    /// The node that runs the work.
    public var remoteNode: String
    /// The work type on the remote node.
    public var remoteWorkType: String
    /// Work parameters sent with the remote submit. Keys starting with `secret_` (any case) are
    /// redacted in control replies and encrypted on disk.
    public var remoteParams: [String: String]
    /// The unit's ID on the remote node; empty until the remote accepted it.
    public var remoteUnitID: String
    /// The remote node accepted the payload and started the unit.
    public var remoteStarted: Bool
    /// A cancel was requested locally and may still have to reach the remote node.
    public var localCancelled: Bool
    /// A release was requested locally and may still have to reach the remote node.
    public var localReleased: Bool
    /// Commands to the remote node carry a signature.
    public var signWork: Bool
    /// The tls-client config used for the mesh connection to the remote control service; empty for none.
    public var tlsClient: String
    /// When the unit expires if it has not started: RFC 3339, ``GoTime/zeroRFC3339`` for no TTL.
    public var expiration: String

    /// Creates remote extra data.
    /// - Parameters:
    ///   - remoteNode: The node that runs the work.
    ///   - remoteWorkType: The work type there.
    ///   - remoteParams: Parameters for the remote submit.
    ///   - remoteUnitID: The remote unit ID, if known.
    ///   - remoteStarted: Whether the remote unit started.
    ///   - localCancelled: Whether a cancel is pending or done.
    ///   - localReleased: Whether a release is pending or done.
    ///   - signWork: Whether to sign remote commands.
    ///   - tlsClient: The tls-client name, or empty.
    ///   - expiration: RFC 3339 expiration, or ``GoTime/zeroRFC3339``.
    public init(
        remoteNode: String = "",
        remoteWorkType: String = "",
        remoteParams: [String: String] = [:],
        remoteUnitID: String = "",
        remoteStarted: Bool = false,
        localCancelled: Bool = false,
        localReleased: Bool = false,
        signWork: Bool = false,
        tlsClient: String = "",
        expiration: String = GoTime.zeroRFC3339
    ) {
        self.remoteNode = remoteNode
        self.remoteWorkType = remoteWorkType
        self.remoteParams = remoteParams
        self.remoteUnitID = remoteUnitID
        self.remoteStarted = remoteStarted
        self.localCancelled = localCancelled
        self.localReleased = localReleased
        self.signWork = signWork
        self.tlsClient = tlsClient
        self.expiration = expiration
    }

    /// Whether a parameter name marks a secret: it starts with `secret_`, case-insensitively.
    public static func isSecretKey(_ key: String) -> Bool {
        key.utf8.count >= 7 && key.prefix(7).lowercased() == "secret_"
    }

    /// ``remoteParams`` without secret keys, as control replies show them.
    public var redactedParams: [String: String] {
        remoteParams.filter { !Self.isSecretKey($0.key) }
    }

    /// Whether any parameter is a secret.
    public var hasSecrets: Bool {
        remoteParams.keys.contains(where: Self.isSecretKey)
    }

    /// ``expiration`` as a date; `nil` for Go's zero time (no TTL) or unparsable text.
    ///
    /// Setting `nil` stores ``GoTime/zeroRFC3339``; setting a date stores it in the local zone, as Go does.
    public var expirationDate: Date? {
        get {
            guard let date = GoTime.parseRFC3339(expiration), date > GoTime.zeroDate else { return nil }
            return date
        }
        set {
            expiration = newValue.map { GoTime.rfc3339($0) } ?? GoTime.zeroRFC3339
        }
    }

    // MARK: - JSON

    /// The JSON object, with `RemoteParams` replaced by `params`.
    func jsonValue(params: [String: String]) -> WorkJSON {
        .object([
            "RemoteNode": .string(remoteNode),
            "RemoteWorkType": .string(remoteWorkType),
            "RemoteParams": .object(params.mapValues { .string($0) }),
            "RemoteUnitID": .string(remoteUnitID),
            "RemoteStarted": .bool(remoteStarted),
            "LocalCancelled": .bool(localCancelled),
            "LocalReleased": .bool(localReleased),
            "SignWork": .bool(signWork),
            "TLSClient": .string(tlsClient),
            "Expiration": .string(expiration),
        ])
    }

    /// Decodes the object; absent or `null` members take their zero values (as in Go), wrong types fail.
    init?(json members: [String: WorkJSON]) {
        // A shape test: a mistyped member means this is not remote extra data, and ExtraData keeps it as .raw.
        guard let decoded = try? Self.decode(members) else { return nil }
        self = decoded
    }

    private struct TypeMismatch: Error {}

    private static func decode(_ members: [String: WorkJSON]) throws -> RemoteExtra {
        func member<T>(_ key: String, _ read: (WorkJSON) -> T?) throws -> T? {
            guard let value = members[key], value != .null else { return nil }
            guard let typed = read(value) else { throw TypeMismatch() }
            return typed
        }
        var params: [String: String] = [:]
        for (key, value) in try member("RemoteParams", \.objectValue) ?? [:] {
            guard let text = value.stringValue else { throw TypeMismatch() }
            params[key] = text
        }
        return RemoteExtra(
            remoteNode: try member("RemoteNode", \.stringValue) ?? "",
            remoteWorkType: try member("RemoteWorkType", \.stringValue) ?? "",
            remoteParams: params,
            remoteUnitID: try member("RemoteUnitID", \.stringValue) ?? "",
            remoteStarted: try member("RemoteStarted", \.boolValue) ?? false,
            localCancelled: try member("LocalCancelled", \.boolValue) ?? false,
            localReleased: try member("LocalReleased", \.boolValue) ?? false,
            signWork: try member("SignWork", \.boolValue) ?? false,
            tlsClient: try member("TLSClient", \.stringValue) ?? "",
            expiration: try member("Expiration", \.stringValue) ?? GoTime.zeroRFC3339
        )
    }
}
