import SwiftASN1
import X509

/// Receptor's node-ID name form: a subjectAltName `otherName` with type-id
/// 1.3.6.1.4.1.2312.19.1 and value `[0] EXPLICIT UTF8String <node-id>`.
enum ReceptorNodeName {
    /// The otherName type-id of a receptor node ID.
    static let oid: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 2312, 19, 1]

    /// The GeneralName carrying `nodeID`.
    /// - Parameter nodeID: The node ID.
    static func generalName(_ nodeID: String) throws -> GeneralName {
        .otherName(GeneralName.OtherName(typeID: oid, value: try ASN1Any(erasing: ASN1UTF8String(nodeID))))
    }

    /// The node ID in `otherName`, if it is a receptor name with a string value.
    /// - Parameter otherName: A SAN otherName.
    static func nodeID(in otherName: GeneralName.OtherName) -> String? {
        guard otherName.typeID == oid, let value = otherName.value else { return nil }
        // Type probes, one per string type Go accepts; a value of none of them is not a node ID (nil).
        if let utf8 = try? ASN1UTF8String(asn1Any: value) { return String(utf8) }
        if let printable = try? ASN1PrintableString(asn1Any: value) { return String(printable) }  // probe, as above
        if let ia5 = try? ASN1IA5String(asn1Any: value) { return String(ia5) }  // probe, as above
        return nil
    }
}
