import Crypto
import Dispatch
import FuzzSupport
import MeshNode
import NIOSSL
import X509

/// The verifier a TLS link runs, over the chain as BoringSSL hands it over: every element must
/// load as an `NIOSSLCertificate` (else the handshake never reaches our callback). Which pins the
/// verifier holds comes from `variant`: none, the leaf's SHA-512, or a digest no leaf has. A
/// verified chain reports exactly the leaf's node IDs, and never with the wrong pin.
func checkVerifier(_ elements: [[UInt8]], variant: Int) {
    var chain: [NIOSSLCertificate] = []
    for element in elements {
        guard let certificate = try? NIOSSLCertificate(bytes: element, format: .der) else { return }
        chain.append(certificate)
    }
    guard let leafDER = try? chain[0].toDERBytes() else { return }
    let pins: [[UInt8]]
    switch variant % 3 {
    case 0: pins = []
    case 1: pins = [Array(SHA512.hash(data: leafDER))]
    default: pins = [Array(repeating: 0xA5, count: 32)]
    }
    let verifier = CertificateVerifier(roots: [TestAuthority.certificate], describe: "fuzz", pins: pins)
    let outcome = verifyNow(chain, with: verifier)
    switch outcome {
    case .success(let ids):
        guard variant % 3 != 2 else { invariantFailure(harnessName, "a chain was verified although its leaf matches no pin") }
        guard let leaf = try? Certificate(derEncoded: leafDER), let expected = nodeIDs(leaf), ids == expected else {
            invariantFailure(harnessName, "verify gave node IDs \(ids), not the leaf's own")
        }
    case .failure(let error):
        _ = "\(error)"
    }
}

/// Runs `CertificateVerifier.verify` (async) from the synchronous harness. The task starts on
/// this thread (`Task.immediate`) and, as the verifier never suspends, also ends here before
/// `wait()`: everything it allocated is freed before the harness returns. (A task on the global
/// executor was freed on its own thread after the harness returned; libFuzzer then saw more
/// allocations than frees and ran a full leak check after every input, at a fifth of the speed.)
func verifyNow(_ chain: [NIOSSLCertificate], with verifier: CertificateVerifier) -> Result<[String], any Error> {
    let box = OutcomeBox()
    let done = DispatchSemaphore(value: 0)
    Task.immediate {
        do {
            box.outcome = .success(try await verifier.verify(chain))
        } catch {
            box.outcome = .failure(error)
        }
        done.signal()
    }
    done.wait()
    guard let outcome = box.outcome else { invariantFailure(harnessName, "the verifier task gave no outcome") }
    return outcome
}

/// Carries the task's outcome to the waiting harness (`done` orders the write before the read).
final class OutcomeBox: @unchecked Sendable {
    var outcome: Result<[String], any Error>?
}
