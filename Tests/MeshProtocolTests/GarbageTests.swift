import MeshTestSupport
import MeshProtocol
import NIOCore
import Testing

/// Decoders are total: any bytes give a value or a `MeshProtocolError`, never a crash or another error.
@Suite("Decoders on random and mutated input")
struct GarbageTests {
    /// Classifies one decode attempt; an error other than `MeshProtocolError` is an issue.
    private static func attempt<T>(_ what: String, _ input: [UInt8], _ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch is MeshProtocolError {
            return nil
        } catch {
            Issue.record("\(what) threw \(error) (not a MeshProtocolError) for \(input)")
            return nil
        }
    }

    /// Random input: a plausible type byte (so decoding gets past the first check) and random bytes.
    private static func randomBody(_ rng: inout SplitMix64, typeBytes: ClosedRange<UInt8>) -> [UInt8] {
        var bytes = rng.bytes(count: Int.random(in: 0...80, using: &rng))
        if !bytes.isEmpty, Bool.random(using: &rng) {
            bytes[0] = UInt8.random(in: typeBytes, using: &rng)
        }
        return bytes
    }

    /// A valid encoding with a few bytes flipped, cut, inserted or removed.
    private static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var out = bytes
        for _ in 0...Int.random(in: 0...3, using: &rng) {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0 where !out.isEmpty:
                out[Int.random(in: 0..<out.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1 where !out.isEmpty:
                out.removeLast(Int.random(in: 1...out.count, using: &rng))
            case 2:
                out.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...out.count, using: &rng))
            case 3 where !out.isEmpty:
                out.remove(at: Int.random(in: 0..<out.count, using: &rng))
            default:
                break
            }
        }
        return out
    }

    @Test("LinkFrame.decodeBody on 20000 random and mutated bodies", arguments: [1, 2, 3, 4] as [UInt64])
    func linkFrameBodies(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let valid = Samples.linkFrames.map(body)
        var decodedCount = 0
        for i in 0..<5000 {
            let input =
                i.isMultiple(of: 2)
                ? Self.randomBody(&rng, typeBytes: 1...5)
                : Self.mutate(valid[Int.random(in: 0..<valid.count, using: &rng)], &rng)
            guard let frame = Self.attempt("decodeBody", input, { try decodeBody(input) }) else { continue }
            decodedCount += 1
            // Whatever decodes re-encodes to something that decodes to the same frame.
            #expect(try decodeBody(body(frame)) == frame, "input \(input)")
        }
        // The mutations leave many inputs valid; a decoder that throws on everything would fail here.
        #expect(decodedCount > 100)
    }

    @Test("LinkFrameDecoder on random byte streams", arguments: [11, 12, 13] as [UInt64])
    func linkFrameStreams(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var frames = 0
        var errors = 0
        let valid = Samples.linkFrames.map(body)
        for _ in 0..<2000 {
            // Mostly small length prefixes, so the decoder gets to the bodies; random bodies and
            // valid ones with a few bytes changed.
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let body =
                    Bool.random(using: &rng)
                    ? Self.randomBody(&rng, typeBytes: 1...5)
                    : Self.mutate(valid[Int.random(in: 0..<valid.count, using: &rng)], &rng)
                let declared = Bool.random(using: &rng) ? body.count : Int.random(in: 0...100, using: &rng)
                stream += be(UInt32(declared)) + body
            }
            if Int.random(in: 0..<10, using: &rng) == 0 { stream = rng.bytes(count: Int.random(in: 0...40, using: &rng)) }
            var decoder = LinkFrameDecoder()
            var buffer = ByteBuffer(bytes: stream)
            while true {
                let before = buffer.readableBytes
                do {
                    guard try decoder.decode(buffer: &buffer) != nil else {
                        // Waiting for more: nothing was consumed.
                        #expect(buffer.readableBytes == before)
                        break
                    }
                    frames += 1
                    #expect(buffer.readableBytes < before)
                } catch is MeshProtocolError {
                    errors += 1
                    break
                } catch {
                    Issue.record("LinkFrameDecoder threw \(error) for \(stream)")
                    break
                }
            }
        }
        #expect(frames > 0)
        #expect(errors > 0)
    }

    @Test("StreamFrame.decode on 20000 random and mutated inputs", arguments: [21, 22, 23, 24] as [UInt64])
    func streamFrames(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let valid = Samples.streamFrames.map(streamBytes)
        var decodedCount = 0
        for i in 0..<5000 {
            var input: [UInt8]
            if i.isMultiple(of: 2) {
                input = rng.bytes(count: Int.random(in: 0...40, using: &rng))
                if input.count > 4, Bool.random(using: &rng) {
                    input[4] = UInt8.random(in: 1...6, using: &rng) | (Bool.random(using: &rng) ? 0x80 : 0)
                }
            } else {
                input = Self.mutate(valid[Int.random(in: 0..<valid.count, using: &rng)], &rng)
            }
            guard let frame = Self.attempt("StreamFrame.decode", input, { try decodeStream(input) }) else { continue }
            decodedCount += 1
            #expect(try decodeStream(streamBytes(frame)) == frame, "input \(input)")
        }
        #expect(decodedCount > 100)
    }

    @Test("Unreachable.decode and RoutingAdvertisement.decode on random input")
    func smallerCodecs() {
        var rng = SplitMix64(seed: 31)
        var adBytes = ByteBuffer()
        Samples.advertisements[0].encode(into: &adBytes)
        let validAd = adBytes.bytes
        for i in 0..<5000 {
            let raw = rng.bytes(count: Int.random(in: 0...24, using: &rng))
            _ = Self.attempt("Unreachable.decode", raw) {
                var b = ByteBuffer(bytes: raw)
                return try Unreachable.decode(from: &b)
            }
            let adInput = i.isMultiple(of: 2) ? raw : Self.mutate(validAd, &rng)
            if let ad = Self.attempt("RoutingAdvertisement.decode", adInput, {
                var b = ByteBuffer(bytes: adInput)
                return try RoutingAdvertisement.decode(from: &b)
            }) {
                #expect(ad.links.values.allSatisfy { $0.isFinite && $0 > 0 })
            }
        }
    }

    @Test("MeshMessage.decode on random input")
    func messages() {
        var rng = SplitMix64(seed: 41)
        var decodedCount = 0
        for i in 0..<5000 {
            var raw = rng.bytes(count: Int.random(in: 0...30, using: &rng))
            if i.isMultiple(of: 2) {
                // A valid kind and short string lengths, so many inputs get to the payload.
                raw = [UInt8.random(in: 0...255, using: &rng), UInt8.random(in: 0...3, using: &rng)]
                for _ in 0..<4 {
                    let n = Int.random(in: 0...3, using: &rng)
                    raw += [UInt8(n)] + (0..<n).map { _ in UInt8.random(in: 0x20...0x7F, using: &rng) }
                }
                raw += rng.bytes(count: Int.random(in: 0...4, using: &rng))
                if Bool.random(using: &rng) { raw = Self.mutate(raw, &rng) }
            }
            if let m = Self.attempt("MeshMessage.decode", raw, {
                var b = ByteBuffer(bytes: raw)
                return try MeshMessage.decode(from: &b)
            }) {
                // A decoded message re-encodes to exactly the input (no field is normalised).
                var out = ByteBuffer()
                m.encode(into: &out)
                #expect(out.bytes == raw)
                decodedCount += 1
            }
        }
        #expect(decodedCount > 100)
    }
}
