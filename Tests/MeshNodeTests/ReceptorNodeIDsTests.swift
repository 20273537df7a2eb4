import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@testable import MeshNode

@Suite struct ReceptorNodeIDsTests {
    /// A self-signed certificate with the given extensions.
    private func certificate(_ extensions: [Certificate.Extension]) throws -> Certificate {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("node-ids-test") }
        let now = Date()
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now - 60,
            notValidAfter: now + 3600,
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions(extensions),
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
    }

    @Test func readsNodeIDsFromOtherNames() throws {
        let nodeName = GeneralName.otherName(
            GeneralName.OtherName(typeID: ReceptorNodeIDs.oid, value: try ASN1Any(erasing: ASN1UTF8String("n1")))
        )
        let san = try Certificate.Extension(SubjectAlternativeNames([nodeName, .dnsName("n1.example")]), critical: false)
        #expect(try ReceptorNodeIDs.nodeIDs(in: certificate([san])) == ["n1"])
        #expect(try ReceptorNodeIDs.nodeIDs(in: certificate([])) == [])
    }

    @Test func anUndecodableSubjectAltNameIsAnErrorNotNoNames() throws {
        // An OCTET STRING where a SEQUENCE of GeneralNames belongs: Go refuses such a certificate; it used to
        // read as "names no node", which hid why a peer was refused.
        let garbage = Certificate.Extension(oid: .X509ExtensionID.subjectAlternativeName, critical: false, value: [0x04, 0x01, 0x00])
        let error = try #require(throws: ReceptorNodeIDs.UnreadableNames.self) {
            try ReceptorNodeIDs.nodeIDs(in: certificate([garbage]))
        }
        #expect(error.description.contains("subjectAltName"))
        #expect(error.description.contains("node-ids-test"))
    }
}
