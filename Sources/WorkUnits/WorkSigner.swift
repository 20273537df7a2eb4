import Foundation
import JWTKit

/// Signs work commands sent to other nodes (`work-signing`): an RS512 JWT with `exp` = now + ``expiration`` and
/// `aud` = `[<target node ID>]`.
///
/// The private key file is read at each ``sign(audience:now:)``; creating a signer never fails, so a bad key
/// file surfaces only when work is signed.
public struct WorkSigner: Sendable {
    /// The PEM private key file (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`).
    public let privateKeyPath: String
    /// How long a token stays valid (receptor's `tokenexpiration`, default 5 minutes).
    public let expiration: Duration

    /// The default token lifetime: 5 minutes.
    public static let defaultExpiration: Duration = .seconds(300)

    /// Creates a signer; nothing is read yet.
    /// - Parameters:
    ///   - privateKeyPath: The PEM private key file.
    ///   - expiration: Token lifetime.
    public init(privateKeyPath: String, expiration: Duration = WorkSigner.defaultExpiration) {
        self.privateKeyPath = privateKeyPath
        self.expiration = expiration
    }

    /// A token for commands to `audience`.
    /// - Parameters:
    ///   - audience: The target node ID.
    ///   - now: The current time.
    /// - Throws: ``WorkUnitError`` with code ``WorkUnitError/Code/signing``: `cannot sign work: signing key is empty`,
    ///   `could not load signing key file: <reason>`, or `could not sign work: <reason>`.
    public func sign(audience: String, now: Date = Date()) async throws -> String {
        guard !privateKeyPath.isEmpty else {
            throw WorkUnitError(.signing, "cannot sign work: signing key is empty")
        }
        let key: Insecure.RSA.PrivateKey
        do {
            key = try Insecure.RSA.PrivateKey(backing: RSAKeyFile.privateKey(at: privateKeyPath))
        } catch let error as KeyFileFailure {
            throw WorkUnitError(.signing, "could not load signing key file: \(error.reason)")
        } catch {
            // JWTKit's own size check; RSAKeyFile's reading already applies the same one.
            throw WorkUnitError(.signing, "could not load signing key file: \(error)")
        }
        let lifetime = Double(expiration.components.seconds) + Double(expiration.components.attoseconds) / 1e18
        let claims = WorkClaims(expiresAt: now.addingTimeInterval(lifetime), audience: [audience])
        do {
            let keys = JWTKeyCollection()
            await keys.add(rsa: key, digestAlgorithm: .sha512)
            return try await keys.sign(claims)
        } catch {
            throw WorkUnitError(.signing, "could not sign work: \(error)")
        }
    }
}
