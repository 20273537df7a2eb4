// Harness: routing advertisements (Sources/MeshProtocol/Routing/RoutingAdvertisement+Codec.swift).
//
// The input is a run of advertisements back to back, as in a routing frame's body after its
// count; they are decoded until the bytes run out or one fails. Each decoded advertisement must
// survive encode -> decode unchanged, and encoding is canonical (links and tags sorted), so
// encoding the decoded copy must give the same bytes again.

import FuzzSupport
import MeshProtocol
import NIOCore
import ProtocolSamples

private let name = "routing-ads"

/// libFuzzer's one-time setup: writes the seed corpus instead when `FUZZ_WRITE_SEEDS` is set.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    Seeds.writeSeedsIfRequested {
        var seeds = Samples.advertisements.enumerated().map {
            (name: "ad-\($0.offset)", bytes: Samples.encode($0.element).readableArray)
        }
        seeds.append(("ads-all", Samples.advertisements.flatMap { Samples.encode($0).readableArray }))
        return seeds
    }
    return 0
}

/// libFuzzer's entry point: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var buffer = ByteBuffer(bytes: inputBytes(data, size))
    while buffer.readableBytes > 0, let ad = try? RoutingAdvertisement.decode(from: &buffer) {
        checkRoundTrip(ad)
    }
    return 0
}

/// Requires `ad` back from its encoding, and the same encoding from the copy.
func checkRoundTrip(_ ad: RoutingAdvertisement) {
    var wire = Samples.encode(ad)
    let encoded = wire.readableArray
    let again: RoutingAdvertisement
    do {
        again = try RoutingAdvertisement.decode(from: &wire)
    } catch {
        invariantFailure(name, "re-encoded advertisement does not decode (\(error)): \(ad)")
    }
    guard wire.readableBytes == 0 else {
        invariantFailure(name, "decoding left \(wire.readableBytes) bytes of an encoded advertisement: \(ad)")
    }
    guard again == ad else {
        invariantFailure(name, "round trip changed the advertisement:\n  before \(ad)\n  after  \(again)")
    }
    guard Samples.encode(again).readableArray == encoded else {
        invariantFailure(name, "encoding is not canonical for \(ad)")
    }
}
