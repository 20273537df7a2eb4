import Foundation
import MeshProtocol
import JWTKit

/// Checks the `signature` of work commands (`work-verification`), as receptor does.
///
/// A token passes if it is signed with the configured public key by any RSA algorithm (RS256/384/512, or
/// PS256/384/512), has an `exp` in the future (and no `nbf` in the future), and its `aud` contains the local
/// node ID. The key file is read at each ``verify(_:nodeID:now:)``.
///
/// Unlike receptor, a token without `exp` is refused (`token not valid`): it would be valid forever. Receptor
/// always sets `exp`, so this changes nothing for receptor peers.
public struct WorkVerifier: Sendable {
    /// The PEM public key file (`PUBLIC KEY`), or `nil`/empty when none is configured.
    public let publicKeyPath: String?

    /// Creates a verifier; nothing is read yet.
    /// - Parameter publicKeyPath: The PEM public key file, or `nil` when `work-verification` is not configured.
    public init(publicKeyPath: String?) {
        self.publicKeyPath = publicKeyPath
    }

    /// Checks `token` for a command addressed to `nodeID`.
    /// - Parameters:
    ///   - token: The `signature` a client sent.
    ///   - nodeID: The local node ID.
    ///   - now: The current time.
    /// - Throws: ``WorkUnitError`` with code ``WorkUnitError/Code/verification`` and one of receptor's texts:
    ///   `could not verify signature: signature is empty`, `could not verify signature: verifying key not
    ///   specified`, `could not load verifying key file: <reason>`, `could not verify signature: <reason>`,
    ///   `token not valid`, `token audience did not match node ID`.
    public func verify(_ token: String, nodeID: String, now: Date = Date()) async throws {
        guard !token.isEmpty else { throw failure("could not verify signature: signature is empty") }
        guard let publicKeyPath, !publicKeyPath.isEmpty else {
            throw failure("could not verify signature: verifying key not specified")
        }
        let key: Insecure.RSA.PublicKey
        do {
            key = try Insecure.RSA.PublicKey(backing: RSAKeyFile.publicKey(at: publicKeyPath))
        } catch let error as KeyFileFailure {
            throw failure("could not load verifying key file: \(error.reason)")
        } catch {
            // JWTKit's own size check; RSAKeyFile's reading already applies the same one.
            throw failure("could not load verifying key file: \(error)")
        }

        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw failure("could not verify signature: token contains an invalid number of segments")
        }
        guard let algorithm = Self.algorithm(ofHeader: parts[0]) else {
            throw failure("could not verify signature: token header is malformed")
        }

        let keys = JWTKeyCollection()
        switch algorithm {
        case "RS256": await keys.add(rsa: key, digestAlgorithm: .sha256)
        case "RS384": await keys.add(rsa: key, digestAlgorithm: .sha384)
        case "RS512": await keys.add(rsa: key, digestAlgorithm: .sha512)
        case "PS256": await keys.add(pss: key, digestAlgorithm: .sha256)
        case "PS384": await keys.add(pss: key, digestAlgorithm: .sha384)
        case "PS512": await keys.add(pss: key, digestAlgorithm: .sha512)
        default: throw failure("could not verify signature: unexpected signing method \(algorithm)")
        }

        let claims: WorkClaims
        do {
            claims = try await keys.verify(token, as: WorkClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw failure("could not verify signature: crypto/rsa: verification error")
        } catch {
            throw failure("could not verify signature: token is malformed")
        }

        guard let expiresAt = claims.expiresAt else { throw failure("token not valid") }
        guard now < expiresAt else { throw failure("could not verify signature: token is expired") }
        if let notBefore = claims.notBefore, now < notBefore {
            throw failure("could not verify signature: token is not valid yet")
        }
        guard claims.audience?.contains(nodeID) == true else {
            throw failure("token audience did not match node ID")
        }
    }

    /// The `alg` of a base64url-encoded JWT header, or `nil` if the header is not a JSON object with a string `alg`.
    static func algorithm(ofHeader encoded: Substring) -> String? {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        // Not JSON is nil, as documented: the caller refuses the token with receptor's text.
        guard let data = Data(base64Encoded: base64), let header = try? WorkJSON.parse(data) else { return nil }
        return header["alg"]?.stringValue
    }

    private func failure(_ message: String) -> WorkUnitError {
        WorkUnitError(.verification, message)
    }
}
