import Crypto
import Foundation
import NIOCore
import NIOSSL
import X509

/// Verifies a peer's certificate chain against a set of trusted roots with RFC 5280 rules (expiry,
/// basic constraints, chain building) and reports the node IDs the leaf certificate names.
///
/// It runs as NIOSSL's custom verification callback, which replaces BoringSSL's own checks, so that
/// the node-ID names can be captured for the link's identity check.
/// (Public for the certificates fuzz harness in `Fuzz/`.)
public struct CertificateVerifier: Sendable {
    public let roots: [Certificate]
    /// Where failures are reported (the link's logger).
    public let describe: String
    /// SHA-256 (32 bytes) or SHA-512 (64 bytes) fingerprints of acceptable leaf certificates; empty
    /// accepts any leaf that validates. Any one match is enough; the chain check still applies.
    public var pins: [[UInt8]] = []

    /// A verifier trusting `roots`, accepting only leaves matching one of `pins` (any, if empty).
    public init(roots: [Certificate], describe: String, pins: [[UInt8]] = []) {
        self.roots = roots
        self.describe = describe
        self.pins = pins
    }

    /// Whether the leaf's DER matches one of ``pins``.
    public static func matchesPin(_ der: [UInt8], pins: [[UInt8]]) -> Bool {
        let sha256 = Array(SHA256.hash(data: der))
        let sha512 = Array(SHA512.hash(data: der))
        return pins.contains { $0 == sha256 || $0 == sha512 }
    }

    /// Parses receptor's fingerprint text: hex, colons optional, 32 or 64 bytes.
    public static func parsePin(_ text: String) -> [UInt8]? {
        let hex = text.filter { $0 != ":" }
        // Hex digits only: `UInt8(_:radix:)` alone would also take a sign ("+f").
        guard hex.count % 2 == 0, hex.allSatisfy(\.isHexDigit) else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let b = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(b)
            index = next
        }
        return bytes.count == 32 || bytes.count == 64 ? bytes : nil
    }

    /// Returns the leaf's node IDs, or throws a readable reason.
    public func verify(_ chain: [NIOSSLCertificate]) async throws -> [String] {
        guard let leafRaw = chain.first else { throw TLSVerificationError("peer sent no certificate") }
        let leafDER = try leafRaw.toDERBytes()
        let leaf = try Certificate(derEncoded: leafDER)
        if !pins.isEmpty && !Self.matchesPin(leafDER, pins: pins) {
            throw TLSVerificationError("certificate of \(leaf.subject) does not match any pinned fingerprint")
        }
        let intermediates = try chain.dropFirst().map { try Certificate(derEncoded: $0.toDERBytes()) }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy()
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        switch result {
        case .validCertificate:
            do {
                return try ReceptorNodeIDs.nodeIDs(in: leaf)
            } catch {
                throw TLSVerificationError("\(error)")
            }
        case .couldNotValidate(let failures):
            let reasons = failures.isEmpty
                ? "no chain to a trusted CA could be built"
                : failures.map { "\($0.policyFailureReason)" }.joined(separator: "; ")
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
