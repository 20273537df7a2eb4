import SwiftASN1
import X509

/// Receptor's node-ID certificate names: SubjectAltName otherName with OID 1.3.6.1.4.1.2312.19.1,
/// value `[0] EXPLICIT UTF8String` (other string types are accepted too, as Go does).
public enum ReceptorNodeIDs {
    public static let oid: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 2312, 19, 1]

    /// The node IDs a certificate names.
    /// - Throws: ``UnreadableNames`` if its subjectAltName extension does not decode (Go refuses such a
    ///   certificate outright; reading it as "names no node" would hide why it is refused).
    public static func nodeIDs(in certificate: Certificate) throws -> [String] {
        let sans: SubjectAlternativeNames?
        do {
            sans = try certificate.extensions.subjectAlternativeNames
        } catch {
            throw UnreadableNames(description: "the subjectAltName of certificate \(certificate.subject) does not decode: \(error)")
        }
        return (sans ?? SubjectAlternativeNames()).compactMap { name -> String? in
            guard case .otherName(let other) = name, other.typeID == oid, let value = other.value else { return nil }
            // Type probes for the string types Go accepts; any other value is not a node ID.
            if let s = try? ASN1UTF8String(asn1Any: value) { return String(s) }
            if let s = try? ASN1IA5String(asn1Any: value) { return String(s) }  // probe, as above
            return nil
        }
    }

    /// A certificate whose subjectAltName extension does not decode.
    public struct UnreadableNames: Error, CustomStringConvertible {
        public var description: String
    }
}
