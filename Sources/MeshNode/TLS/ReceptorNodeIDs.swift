import SwiftASN1
import X509

/// Receptor's node-ID certificate names: SubjectAltName otherName with OID 1.3.6.1.4.1.2312.19.1,
/// value `[0] EXPLICIT UTF8String` (other string types are accepted too, as Go does).
public enum ReceptorNodeIDs {
    public static let oid: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 2312, 19, 1]

    /// The node IDs a certificate names.
    public static func nodeIDs(in certificate: Certificate) -> [String] {
        guard let sans = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return sans.compactMap { name -> String? in
            guard case .otherName(let other) = name, other.typeID == oid, let value = other.value else { return nil }
            if let s = try? ASN1UTF8String(asn1Any: value) { return String(s) }
            if let s = try? ASN1IA5String(asn1Any: value) { return String(s) }
            return nil
        }
    }
}
