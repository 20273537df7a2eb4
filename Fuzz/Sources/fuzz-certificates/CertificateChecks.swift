import Crypto
import FuzzSupport
import MeshNode
import SwiftASN1
import X509

/// Splits `bytes` into DER elements laid end to end, at most `limit` (a chain: leaf first). Each
/// element is its tag byte, its length (short form, or long form of up to four bytes) and that
/// many bytes; when a length is malformed or runs past the end, the rest is the last element.
func splitDER(_ bytes: [UInt8], limit: Int = 4) -> [[UInt8]] {
    var elements: [[UInt8]] = []
    var offset = 0
    while offset < bytes.count, elements.count < limit {
        let rest = bytes.count - offset
        var header = 2
        var length = -1
        if rest >= 2 {
            let first = Int(bytes[offset + 1])
            if first < 0x80 {
                length = first
            } else if (0x81...0x84).contains(first), rest >= 2 + first - 0x80 {
                header += first - 0x80
                length = bytes[offset + 2..<offset + header].reduce(0) { $0 << 8 | Int($1) }
            }
        }
        let end = length >= 0 && length <= rest - header ? offset + header + length : bytes.count
        elements.append(Array(bytes[offset..<end]))
        offset = end
    }
    return elements
}

/// Pin matching on a leaf's DER: its own SHA-256 and SHA-512 match, a digest with one bit
/// changed and an empty pin list do not. The fingerprint text form (hex, colons optional)
/// parses back to the digest.
func checkPins(_ der: [UInt8]) {
    let sha256 = Array(SHA256.hash(data: der))
    let sha512 = Array(SHA512.hash(data: der))
    var wrong = sha256
    wrong[Int(der.first ?? 0) % wrong.count] ^= 1
    guard CertificateVerifier.matchesPin(der, pins: [wrong, sha256]),
        CertificateVerifier.matchesPin(der, pins: [sha512]),
        !CertificateVerifier.matchesPin(der, pins: [wrong]),
        !CertificateVerifier.matchesPin(der, pins: [])
    else {
        invariantFailure(harnessName, "pin matching is wrong for a \(der.count)-byte certificate")
    }
    let colons = sha256.map { hex($0) }.joined(separator: ":")
    guard CertificateVerifier.parsePin(colons) == sha256, CertificateVerifier.parsePin(sha512.map(hex).joined()) == sha512 else {
        invariantFailure(harnessName, "fingerprint text does not parse back: \(colons)")
    }
}

/// Fingerprint text from the input: a pin is 32 or 64 bytes, and writing it back as hex
/// parses to the same pin.
func checkPinText(_ text: String) {
    guard let pin = CertificateVerifier.parsePin(text) else { return }
    guard pin.count == 32 || pin.count == 64, CertificateVerifier.parsePin(pin.map(hex).joined()) == pin else {
        invariantFailure(harnessName, "parsePin(\(text.debugDescription)) gave \(pin.count) bytes that do not parse back")
    }
}

/// Two lower-case hex digits.
func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
}

/// What our code reads from a certificate it parsed: the subject (in refusal messages) and the
/// node IDs. `nodeIDs(in:)` returns at most one ID per receptor otherName, the same IDs every
/// time and after the certificate is re-encoded, and throws only `UnreadableNames`, naming the
/// subjectAltName. Returns the IDs (nil when it threw).
@discardableResult
func checkNodeIDs(_ certificate: Certificate) -> [String]? {
    _ = "\(certificate.subject)"
    let ids = nodeIDs(certificate)
    guard nodeIDs(certificate) == ids else { invariantFailure(harnessName, "nodeIDs(in:) is not deterministic") }
    if let ids {
        let candidates = ((try? certificate.extensions.subjectAlternativeNames) ?? nil)?.filter {
            if case .otherName(let other) = $0 { return other.typeID == ReceptorNodeIDs.oid }
            return false
        }
        guard ids.count <= candidates?.count ?? 0 else {
            invariantFailure(harnessName, "\(ids.count) node IDs from \(candidates?.count ?? 0) receptor otherNames")
        }
    }
    var serializer = DER.Serializer()
    guard (try? serializer.serialize(certificate)) != nil, let again = try? Certificate(derEncoded: serializer.serializedBytes) else {
        invariantFailure(harnessName, "a parsed certificate does not survive re-encoding: \(certificate.subject)")
    }
    guard nodeIDs(again) == ids else {
        invariantFailure(harnessName, "node IDs change when the certificate is re-encoded: \(String(describing: ids))")
    }
    return ids
}

/// `ReceptorNodeIDs.nodeIDs(in:)`, nil when it throws (which must be `UnreadableNames`).
func nodeIDs(_ certificate: Certificate) -> [String]? {
    do {
        return try ReceptorNodeIDs.nodeIDs(in: certificate)
    } catch let error as ReceptorNodeIDs.UnreadableNames {
        guard error.description.contains("subjectAltName") else {
            invariantFailure(harnessName, "UnreadableNames does not name the subjectAltName: \(error)")
        }
        return nil
    } catch {
        invariantFailure(harnessName, "nodeIDs(in:) threw \(type(of: error)): \(error)")
    }
}
