import Testing

@testable import MeshNode

@Suite("Certificate pins")
struct CertificatePinTests {
    @Test("pins are 32 or 64 bytes of hex, colons optional")
    func wellFormed() {
        let sha256 = String(repeating: "ab", count: 32)
        #expect(CertificateVerifier.parsePin(sha256)?.count == 32)
        #expect(CertificateVerifier.parsePin(String(repeating: "AB:", count: 63) + "AB")?.count == 64)
    }

    /// Found by the certificates fuzz harness: a sign before a digit pair ("+f") parsed.
    @Test("anything but hex digits and colons is refused", arguments: ["+f", "-0", " f", "0x", "gg", "ｆｆ"])
    func refused(pair: String) {
        let text = String(repeating: "ab", count: 31) + pair
        #expect(CertificateVerifier.parsePin(text) == nil)
    }

    @Test("wrong lengths are refused")
    func lengths() {
        #expect(CertificateVerifier.parsePin(String(repeating: "ab", count: 31)) == nil)
        #expect(CertificateVerifier.parsePin(String(repeating: "ab", count: 33)) == nil)
        #expect(CertificateVerifier.parsePin("abc") == nil)
    }
}
