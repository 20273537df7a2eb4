// Harness: a peer's certificates at the trust boundary (Sources/MeshNode/TLS/ReceptorNodeIDs.swift,
// CertificateVerifier.swift).
//
// The input is a certificate chain as DER elements end to end, leaf first (at most four; see
// `splitDER`). For each element, what our code does with a peer's certificate:
//  - the leaf's pins: `CertificateVerifier.matchesPin` against its own SHA-256 / SHA-512 and
//    against wrong digests, and `parsePin` on fingerprint text (also on the input read as text);
//  - swift-certificates' `Certificate(derEncoded:)`, then the subject (which refusal messages
//    print) and `ReceptorNodeIDs.nodeIDs(in:)`: the SAN otherNames of OID 1.3.6.1.4.1.2312.19.1;
//  - the chain through BoringSSL (`NIOSSLCertificate`), then `CertificateVerifier.verify`, as
//    the TLS callback runs it, against the harness's fixed test CA (`TestAuthority`), with no
//    pin, the right pin or a wrong one (chosen from the input's bytes).
// Checked besides "no trap": pins match exactly their digests; node IDs are deterministic,
// survive re-encoding and number at most the receptor otherNames; `nodeIDs(in:)` throws only
// `UnreadableNames`; a verified chain reports the leaf's node IDs and never with a wrong pin.

import FuzzSupport
import MeshNode
import X509

let harnessName = "certificates"

/// libFuzzer's one-time setup: writes the seed corpus instead when `FUZZ_WRITE_SEEDS` is set.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    Seeds.writeSeedsIfRequested {
        do {
            return try SampleCertificates.all()
        } catch {
            fatalError("the sample certificates do not build: \(error)")
        }
    }
    // Built once, before the first input, so that no input pays for it.
    _ = TestAuthority.certificate
    return 0
}

/// libFuzzer's entry point: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    checkPinText(String(decoding: bytes.prefix(256), as: UTF8.self))
    let elements = splitDER(bytes)
    guard let leaf = elements.first else { return 0 }
    checkPins(leaf)
    for element in elements {
        if let certificate = try? Certificate(derEncoded: element) { checkNodeIDs(certificate) }
    }
    checkVerifier(elements, variant: chunkSize(for: bytes, limit: 3) - 1)
    return 0
}
