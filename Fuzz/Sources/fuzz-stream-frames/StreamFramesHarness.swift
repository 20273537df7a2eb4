// Harness: stream frames (Sources/MeshProtocol/Streams/StreamFrame+Codec.swift).
//
// The input is a stream frame as carried in a `.stream` message's payload. A decoded frame must
// survive encode -> decode unchanged, and its encoding must be exactly the bytes it came from
// (every frame has exactly one encoding).

import FuzzSupport
import MeshProtocol
import NIOCore
import ProtocolSamples

private let name = "stream-frames"

/// libFuzzer's one-time setup: writes the seed corpus instead when `FUZZ_WRITE_SEEDS` is set.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    Seeds.writeSeedsIfRequested {
        Samples.streamFrames.enumerated().map { ("frame-\($0.offset)", Samples.encode($0.element).readableArray) }
    }
    return 0
}

/// libFuzzer's entry point: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    var buffer = ByteBuffer(bytes: bytes)
    guard let frame = try? StreamFrame.decode(from: &buffer) else { return 0 }

    var wire = Samples.encode(frame)
    let encoded = wire.readableArray
    let again: StreamFrame
    do {
        again = try StreamFrame.decode(from: &wire)
    } catch {
        invariantFailure(name, "re-encoded frame does not decode (\(error)): \(frame)")
    }
    guard again == frame else {
        invariantFailure(name, "round trip changed the frame:\n  before \(frame)\n  after  \(again)")
    }
    guard encoded == bytes else {
        invariantFailure(name, "a decoded frame re-encodes to other bytes:\n  input   \(bytes)\n  encoded \(encoded)")
    }
    return 0
}
