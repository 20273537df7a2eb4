// Harness: mesh messages (Sources/MeshProtocol/Forwarding/MeshMessage+Codec.swift).
//
// The input is a message body as it arrives inside a link frame. A decoded message must survive
// encode -> decode unchanged and `headerLength` must count its header. The payload is then read
// the way a receiver reads it: an `Unreachable` report for `.unreachable`, a `StreamFrame` for
// `.stream`, each also checked by a round trip.

import FuzzSupport
import MeshProtocol
import NIOCore
import ProtocolSamples

private let name = "mesh-messages"

/// libFuzzer's one-time setup: writes the seed corpus instead when `FUZZ_WRITE_SEEDS` is set.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    Seeds.writeSeedsIfRequested {
        Samples.messages.enumerated().map { ("message-\($0.offset)", Samples.encode($0.element).readableArray) }
    }
    return 0
}

/// libFuzzer's entry point: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var buffer = ByteBuffer(bytes: inputBytes(data, size))
    guard let message = try? MeshMessage.decode(from: &buffer) else { return 0 }

    var wire = ByteBuffer()
    message.encode(into: &wire)
    guard wire.readableBytes == message.headerLength + message.payload.readableBytes else {
        invariantFailure(name, "headerLength \(message.headerLength) does not match the encoding of \(message)")
    }
    let again: MeshMessage
    do {
        again = try MeshMessage.decode(from: &wire)
    } catch {
        invariantFailure(name, "re-encoded message does not decode (\(error)): \(message)")
    }
    guard again == message else {
        invariantFailure(name, "round trip changed the message:\n  before \(message)\n  after  \(again)")
    }

    var payload = message.payload
    switch message.kind {
    case .unreachable:
        guard let report = try? Unreachable.decode(from: &payload) else { return 0 }
        var encoded = report.encoded()
        guard let back = try? Unreachable.decode(from: &encoded), back == report, encoded.readableBytes == 0 else {
            invariantFailure(name, "round trip changed the unreachable report \(report)")
        }
    case .stream:
        guard let frame = try? StreamFrame.decode(from: &payload) else { return 0 }
        var encoded = Samples.encode(frame)
        guard let back = try? StreamFrame.decode(from: &encoded), back == frame else {
            invariantFailure(name, "round trip changed the stream frame \(frame)")
        }
    case .datagram:
        break
    }
    return 0
}
