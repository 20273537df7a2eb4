import Crypto
import Foundation
import MeshNode
import SwiftASN1
import X509
import _CryptoExtras

/// The seed corpus: real certificates as a peer would present them (DER, leaf first, then any
/// intermediates), most signed by ``TestAuthority``; with and without receptor node-ID names.
enum SampleCertificates {
    /// A receptor node-ID name (otherName 1.3.6.1.4.1.2312.19.1) with a string value.
    static func nodeName(_ id: String, ia5: Bool = false) throws -> GeneralName {
        let value = ia5 ? try ASN1Any(erasing: ASN1IA5String(id)) : try ASN1Any(erasing: ASN1UTF8String(id))
        return .otherName(GeneralName.OtherName(typeID: ReceptorNodeIDs.oid, value: value))
    }

    /// A certificate for `subject` with `extensions`, signed by `issuerKey` as `issuer`.
    static func certificate(
        _ subject: String,
        key: Certificate.PublicKey,
        extensions: [Certificate.Extension],
        issuer: DistinguishedName = TestAuthority.name,
        issuerKey: Certificate.PrivateKey = Certificate.PrivateKey(TestAuthority.key),
        validity: (Date, Date) = (TestAuthority.notBefore, TestAuthority.notAfter)
    ) throws -> [UInt8] {
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key,
            notValidBefore: validity.0,
            notValidAfter: validity.1,
            issuer: issuer,
            subject: try DistinguishedName { CommonName(subject) },
            extensions: try Certificate.Extensions(extensions),
            issuerPrivateKey: issuerKey
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// A subjectAltName extension with these names.
    static func san(_ names: [GeneralName]) throws -> Certificate.Extension {
        try Certificate.Extension(SubjectAlternativeNames(names), critical: false)
    }

    /// An RSA-2048 public key (SubjectPublicKeyInfo DER, made once with `openssl genrsa 2048 |
    /// openssl rsa -pubout -outform DER`; the private half was never kept): receptor's certificates
    /// carry RSA keys. Fixed rather than generated because swift-crypto's RSA key generation leaks
    /// 16 bytes (a BIGNUM in `withBignumPointer`), which LeakSanitizer turns into a failed run.
    static let rsaPublicKey = """
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAm1Rpq+N72uCxb4qRguWzBhmbxzyz8WPYw+77IbTtQLGoEUFSZ7yV\
        Xj/fwhpkTYXrCP9I5M1lBHWuMl91DoWUNgfBJma0y43lTc2ScOEmNVmWeZIRw82IbRCSGEmx64jZFO8dYbGOJpUrysDiXHnH\
        viI1pUFdk4YJC9WeYa6LqosXLogh5u92TabeNSZMkkGOuU6CgE8lS/ysbZ/kwKY9F+eCpPF3QS38h1S+XtNe/MZcVCZNvBi9\
        THrtT08chwKTwchC3RSQca+DlLJG/e7Fo+05kZKc5J6qLK8I8Gc/brB0x7p0cAQK0MF25cwf1q8g/0FwVmUrAEdbCPdszym9\
        nQIDAQAB
        """

    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let leafKey = Certificate.PublicKey(P256.Signing.PrivateKey().publicKey)
        guard let rsaDER = Data(base64Encoded: rsaPublicKey) else { fatalError("the sample RSA key is not base64") }
        let rsaKey = try _RSA.Signing.PublicKey(derRepresentation: rsaDER)
        var seeds: [(name: String, bytes: [UInt8])] = []
        func add(_ name: String, _ bytes: [UInt8]) { seeds.append((name, bytes)) }

        add("node-id", try certificate("node-a", key: leafKey, extensions: [san([nodeName("node-a"), .dnsName("node-a.example")])]))
        add(
            "node-ids-rsa",
            try certificate(
                "hub",
                key: Certificate.PublicKey(rsaKey),
                extensions: [san([nodeName("hub"), nodeName("hub-2", ia5: true)])]
            )
        )
        let ip = GeneralName.ipAddress(ASN1OctetString(contentBytes: [192, 0, 2, 1]))
        add("no-node-id", try certificate("web", key: leafKey, extensions: [san([.dnsName("web.example"), ip])]))
        add("no-san", try certificate("bare", key: leafKey, extensions: []))
        // An OCTET STRING where the GeneralNames belong: ReceptorNodeIDs must throw UnreadableNames.
        add(
            "bad-san",
            try certificate(
                "bad",
                key: leafKey,
                extensions: [Certificate.Extension(oid: .X509ExtensionID.subjectAlternativeName, critical: false, value: [0x04, 0x01, 0x00])]
            )
        )
        let otherOID = GeneralName.otherName(GeneralName.OtherName(typeID: [1, 3, 6, 1, 4, 1, 311, 20, 2, 3], value: try ASN1Any(erasing: ASN1UTF8String("upn"))))
        let integerValue = GeneralName.otherName(GeneralName.OtherName(typeID: ReceptorNodeIDs.oid, value: try ASN1Any(erasing: 42)))
        let noValue = GeneralName.otherName(GeneralName.OtherName(typeID: ReceptorNodeIDs.oid, value: nil))
        add("odd-other-names", try certificate("odd", key: leafKey, extensions: [san([otherOID, integerValue, nodeName("")])]))
        // RFC 5280 requires an otherName's value; swift-certificates reads it as optional.
        add("other-name-without-value", try certificate("novalue", key: leafKey, extensions: [san([noValue, nodeName("n")])]))

        // leaf <- intermediate <- the CA.
        let intermediateKey = P256.Signing.PrivateKey()
        let intermediateName = try DistinguishedName { CommonName("fuzz intermediate") }
        let intermediate = try certificate(
            "fuzz intermediate",
            key: Certificate.PublicKey(intermediateKey.publicKey),
            extensions: [
                try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: 0), critical: true),
                try Certificate.Extension(KeyUsage(keyCertSign: true), critical: true),
            ]
        )
        let chained = try certificate(
            "node-b",
            key: leafKey,
            extensions: [san([nodeName("node-b")])],
            issuer: intermediateName,
            issuerKey: Certificate.PrivateKey(intermediateKey)
        )
        add("chain", chained + intermediate)

        let selfKey = P256.Signing.PrivateKey()
        add(
            "self-signed",
            try certificate(
                "node-c",
                key: Certificate.PublicKey(selfKey.publicKey),
                extensions: [san([nodeName("node-c")])],
                issuer: try DistinguishedName { CommonName("node-c") },
                issuerKey: Certificate.PrivateKey(selfKey)
            )
        )
        let past = (Date(timeIntervalSince1970: 978_307_200), Date(timeIntervalSince1970: 1_009_843_200))  // 2001, 2002
        add("expired", try certificate("node-d", key: leafKey, extensions: [san([nodeName("node-d")])], validity: past))

        var serializer = DER.Serializer()
        try serializer.serialize(TestAuthority.certificate)
        add("ca", serializer.serializedBytes)
        return seeds
    }
}
