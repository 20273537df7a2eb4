import Crypto
import Foundation
import X509

/// The certificate authority the harness's verifier trusts. Its P-256 key is fixed here (a test
/// key: it signs nothing but this harness's seeds), so the CA certificate built at start-up
/// verifies the leaves that `--write-seeds` signed in an earlier process.
enum TestAuthority {
    /// The CA's private key: the scalar 0x0102...20.
    static let key: P256.Signing.PrivateKey = {
        do {
            return try P256.Signing.PrivateKey(rawRepresentation: Array(1...32) as [UInt8])
        } catch {
            fatalError("the fixed test CA key does not load: \(error)")
        }
    }()

    static let name: DistinguishedName = {
        do {
            return try DistinguishedName {
                OrganizationName("receptord fuzzing")
                CommonName("fuzz CA")
            }
        } catch {
            fatalError("the test CA name does not build: \(error)")
        }
    }()

    /// Seeds stay valid until then (and the CA did not exist before 2020).
    static let notBefore = Date(timeIntervalSince1970: 1_577_836_800)  // 2020-01-01
    static let notAfter = Date(timeIntervalSince1970: 4_102_444_800)  // 2100-01-01

    /// The self-signed CA certificate (same key and name every run; the signature differs).
    static let certificate: Certificate = {
        do {
            return try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(1),
                publicKey: Certificate.PublicKey(key.publicKey),
                notValidBefore: notBefore,
                notValidAfter: notAfter,
                issuer: name,
                subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                },
                issuerPrivateKey: Certificate.PrivateKey(key)
            )
        } catch {
            fatalError("the test CA certificate does not build: \(error)")
        }
    }()
}
