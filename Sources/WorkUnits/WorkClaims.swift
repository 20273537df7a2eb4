import Foundation
import JWTKit

/// The claims of a work-signing token: `exp` (whole seconds since 1970) and `aud` (node IDs).
///
/// `aud` is written as an array, as receptor does, and read as an array or a single string. `exp` is written as
/// an integer (Go's older claim types reject fractional seconds) and read as any number. `nbf`, if a token
/// carries it, is honoured. Checks are made by ``WorkVerifier``, so ``verify(using:)`` does nothing.
struct WorkClaims: JWTPayload, Equatable {
    var expiresAt: Date?
    var audience: [String]?
    var notBefore: Date?

    private enum CodingKeys: String, CodingKey {
        case expiresAt = "exp"
        case audience = "aud"
        case notBefore = "nbf"
    }

    init(expiresAt: Date?, audience: [String]?, notBefore: Date? = nil) {
        self.expiresAt = expiresAt
        self.audience = audience
        self.notBefore = notBefore
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        expiresAt = try container.decodeIfPresent(Double.self, forKey: .expiresAt).map(Date.init(timeIntervalSince1970:))
        notBefore = try container.decodeIfPresent(Double.self, forKey: .notBefore).map(Date.init(timeIntervalSince1970:))
        // `aud` is a string or an array (RFC 7519 4.1.3): try the string form; anything else goes to the array
        // decode below, which reports a real type error.
        if let single = try? container.decodeIfPresent(String.self, forKey: .audience) {
            audience = [single]
        } else {
            audience = try container.decodeIfPresent([String].self, forKey: .audience)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(expiresAt.map { Int64($0.timeIntervalSince1970.rounded(.down)) }, forKey: .expiresAt)
        try container.encodeIfPresent(audience, forKey: .audience)
        try container.encodeIfPresent(notBefore.map { Int64($0.timeIntervalSince1970.rounded(.down)) }, forKey: .notBefore)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
