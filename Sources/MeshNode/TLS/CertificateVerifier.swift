import Foundation
import NIOCore
import NIOSSL
import X509

/// Verifies a peer's certificate chain against a set of trusted roots with RFC 5280 rules (expiry,
/// basic constraints, chain building) and reports the node IDs the leaf certificate names.
///
/// It runs as NIOSSL's custom verification callback, which replaces BoringSSL's own checks, so that
/// the node-ID names can be captured for the link's identity check.
struct CertificateVerifier: Sendable {
    let roots: [Certificate]
    /// Where failures are reported (the link's logger).
    let describe: String

    /// Returns the leaf's node IDs, or throws a readable reason.
    func verify(_ chain: [NIOSSLCertificate]) async throws -> [String] {
        guard let leafRaw = chain.first else { throw TLSVerificationError("peer sent no certificate") }
        let leaf = try Certificate(derEncoded: leafRaw.toDERBytes())
        let intermediates = try chain.dropFirst().map { try Certificate(derEncoded: $0.toDERBytes()) }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy()
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        switch result {
        case .validCertificate:
            return ReceptorNodeIDs.nodeIDs(in: leaf)
        case .couldNotValidate(let failures):
            let reasons = failures.map { "\($0.policyFailureReason)" }.joined(separator: "; ")
            throw TLSVerificationError("certificate of \(leaf.subject) did not validate: \(reasons)")
        }
    }

    /// A NIOSSL callback that records the node IDs into `identity` and logs failures via `onFailure`.
    /// - Parameters:
    ///   - identity: receives the certificate's node IDs.
    ///   - requiredNodeID: when set, the certificate must name this node (TLS above the mesh, where
    ///     the peer's node is known before the handshake).
    ///   - onFailure: called with the reason when verification fails.
    func callback(
        identity: PeerIdentity?,
        requiredNodeID: String? = nil,
        onFailure: @escaping @Sendable (String) -> Void
    ) -> NIOSSLCustomVerificationCallback {
        { chain, promise in
            promise.completeWithTask {
                do {
                    let ids = try await self.verify(chain)
                    if let required = requiredNodeID, !ids.contains(required) {
                        throw TLSVerificationError("certificate does not name node \(required) (node IDs in certificate: \(ids))")
                    }
                    identity?.record(ids)
                    return .certificateVerified
                } catch {
                    onFailure("\(error)")
                    return .failed
                }
            }
        }
    }
}

/// A certificate the TLS layer refused, with the reason.
struct TLSVerificationError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
