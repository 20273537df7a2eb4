// Harness: link frames (Sources/MeshProtocol/Link/LinkFrameCodec.swift).
//
// Each input is used twice:
//  1. as one frame body (type byte first, no length prefix) for `LinkFrame.decodeBody`;
//  2. as a byte stream for `LinkFrameDecoder`, driven by NIO's single-step processor, once in a
//     single read and once split into small reads. Both must yield the same frames and the same
//     error: how TCP happens to cut the stream must not matter.
// Every decoded frame must survive encode -> decode unchanged, and for messages
// `encodeMessageHeader` + payload must equal `encode(into:)`.

import FuzzSupport
import MeshProtocol
import NIOCore
import ProtocolSamples

private let name = "link-frames"

/// libFuzzer's one-time setup: writes the seed corpus instead when `FUZZ_WRITE_SEEDS` is set.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    Seeds.writeSeedsIfRequested {
        var seeds: [(name: String, bytes: [UInt8])] = []
        var stream: [UInt8] = []
        for (i, frame) in Samples.linkFrames.enumerated() {
            let framed = Samples.encode(frame).readableArray
            seeds.append(("framed-\(i)", framed))
            seeds.append(("body-\(i)", Array(framed.dropFirst(4))))
            stream += framed
        }
        seeds.append(("stream-all", stream))
        return seeds
    }
    return 0
}

/// libFuzzer's entry point: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)

    var body = ByteBuffer(bytes: bytes)
    if let frame = try? LinkFrame.decodeBody(&body) {
        checkRoundTrip(frame)
    }

    let whole = decodeStream([bytes[...]])
    let pieces = decodeStream(chunks(of: bytes, size: chunkSize(for: bytes)))
    if whole.frames != pieces.frames || whole.error != pieces.error {
        invariantFailure(
            name,
            "stream decoding depends on read boundaries: whole \(whole.frames.count) frames, error \(whole.error ?? "none"); "
                + "in pieces \(pieces.frames.count) frames, error \(pieces.error ?? "none")"
        )
    }
    for frame in whole.frames { checkRoundTrip(frame) }
    return 0
}

/// Runs `LinkFrameDecoder` over the reads in `pieces`, then EOF, as a channel handler would.
/// Returns the frames decoded and the text of the error that stopped decoding, if any.
func decodeStream(_ pieces: [ArraySlice<UInt8>]) -> (frames: [LinkFrame], error: String?) {
    let processor = NIOSingleStepByteToMessageProcessor(LinkFrameDecoder())
    var frames: [LinkFrame] = []
    do {
        for piece in pieces {
            try processor.process(buffer: ByteBuffer(bytes: piece)) { frames.append($0) }
        }
        try processor.finishProcessing(seenEOF: true) { frames.append($0) }
    } catch {
        return (frames, "\(error)")
    }
    return (frames, nil)
}

/// Encodes `frame`, checks the length prefix, decodes the body again (directly and through
/// `LinkFrameDecoder`) and requires the same frame back.
func checkRoundTrip(_ frame: LinkFrame) {
    var wire = ByteBuffer()
    frame.encode(into: &wire)
    let framed = wire

    guard let length: UInt32 = wire.readInteger(), Int(length) == wire.readableBytes else {
        invariantFailure(name, "length prefix does not count the frame: \(framed.readableArray)")
    }
    let again: LinkFrame
    do {
        again = try LinkFrame.decodeBody(&wire)
    } catch {
        invariantFailure(name, "re-encoded frame does not decode (\(error)): \(frame)")
    }
    guard again == frame else {
        invariantFailure(name, "round trip changed the frame:\n  before \(frame)\n  after  \(again)")
    }

    var stream = framed
    var decoder = LinkFrameDecoder()
    let streamed: LinkFrame?
    do {
        streamed = try decoder.decode(buffer: &stream)
    } catch {
        invariantFailure(name, "LinkFrameDecoder rejects an encoded frame (\(error)): \(frame)")
    }
    guard streamed == frame, stream.readableBytes == 0 else {
        invariantFailure(name, "LinkFrameDecoder round trip changed the frame: \(String(describing: streamed))")
    }

    if case .message(let message) = frame {
        var split = ByteBuffer()
        LinkFrame.encodeMessageHeader(message, into: &split)
        var payload = message.payload
        split.writeBuffer(&payload)
        guard split == framed else {
            invariantFailure(name, "encodeMessageHeader + payload differs from encode(into:) for \(message)")
        }
    }
}
