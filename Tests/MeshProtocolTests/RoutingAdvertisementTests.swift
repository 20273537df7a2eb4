import MeshProtocol
import NIOCore
import Testing

@Suite("Routing advertisements")
struct RoutingAdvertisementTests {
    private func encode(_ ad: RoutingAdvertisement) -> ByteBuffer {
        var b = ByteBuffer()
        ad.encode(into: &b)
        return b
    }

    private func decode(_ buffer: ByteBuffer) throws -> RoutingAdvertisement {
        var b = buffer
        let ad = try RoutingAdvertisement.decode(from: &b)
        #expect(b.readableBytes == 0, "decode left \(b.readableBytes) bytes")
        return ad
    }

    @Test("advertisements survive encode/decode", arguments: Samples.advertisements)
    func roundTrip(ad: RoutingAdvertisement) throws {
        #expect(try decode(encode(ad)) == ad)
    }

    @Test("two advertisements in a row decode one after the other")
    func backToBack() throws {
        var b = ByteBuffer()
        for ad in Samples.advertisements { ad.encode(into: &b) }
        var decoded: [RoutingAdvertisement] = []
        while b.readableBytes > 0 { decoded.append(try RoutingAdvertisement.decode(from: &b)) }
        #expect(decoded == Samples.advertisements)
    }

    @Test("the encoding is deterministic: links and tags are sorted")
    func deterministic() {
        var names = (0..<50).map { "peer-\($0)" }
        var links1: [String: Double] = [:]
        for (i, n) in names.enumerated() { links1[n] = Double(i + 1) }
        names.reverse()
        var links2: [String: Double] = [:]
        for n in names { links2[n] = links1[n] }
        var tags1: [String: String] = [:]
        var tags2: [String: String] = [:]
        for i in 0..<30 { tags1["t\(i)"] = "v\(i)" }
        for i in (0..<30).reversed() { tags2["t\(i)"] = "v\(i)" }
        let a = RoutingAdvertisement(origin: "o", sequence: 1, links: links1, services: [ServiceAdvertisement(name: "s", connType: .stream, tags: tags1)])
        let b = RoutingAdvertisement(origin: "o", sequence: 1, links: links2, services: [ServiceAdvertisement(name: "s", connType: .stream, tags: tags2)])
        #expect(encode(a).bytes == encode(b).bytes)

        // The first link on the wire is the smallest peer name.
        var w = encode(RoutingAdvertisement(origin: "o", sequence: 1, links: ["zz": 1, "aa": 2, "mm": 3]))
        w.moveReaderIndex(forwardBy: 2 + 8 + 8 + 4 + 8)
        #expect(w.readInteger(as: UInt16.self) == 3)
        #expect(w.readInteger(as: UInt8.self) == 2)
        #expect(w.readString(length: 2) == "aa")
    }

    @Test("header layout: origin, sequence, instance, lifetime, origin time")
    func layout() {
        let ad = RoutingAdvertisement(origin: "n", sequence: 2, instance: 3, lifetimeMillis: 4, originTimeMillis: -5)
        #expect(encode(ad).bytes == [1, 0x6E] + be(UInt64(2)) + be(UInt64(3)) + be(UInt32(4)) + be(Int64(-5)) + [0, 0, 0, 0])
    }

    static let badCosts: [Double] = [0, -0.0, -1, .nan, .infinity, -.infinity]

    @Test("non-positive and non-finite link costs are refused", arguments: badCosts)
    func badLinkCost(cost: Double) {
        var bytes: [UInt8] = [1, 0x6E] + be(UInt64(2)) + be(UInt64(3)) + be(UInt32(4)) + be(Int64(5))
        bytes += be(UInt16(1)) + [1, 0x70] + be(cost.bitPattern) + be(UInt16(0))
        #expect(protocolErrorCode { _ = try decode(ByteBuffer(bytes: bytes)) } == .invalidField)
    }

    @Test("unknown connection types are refused")
    func badConnType() {
        var bytes: [UInt8] = [1, 0x6E] + be(UInt64(2)) + be(UInt64(3)) + be(UInt32(4)) + be(Int64(5)) + be(UInt16(0))
        bytes += be(UInt16(1)) + [1, 0x73, 3] + be(UInt16(0)) + be(UInt16(0))
        #expect(protocolErrorCode { _ = try decode(ByteBuffer(bytes: bytes)) } == .invalidField)
    }

    @Test("every proper prefix throws truncated")
    func truncation() {
        let bytes = encode(Samples.advertisements[0]).bytes
        for cut in 0..<bytes.count {
            #expect(protocolErrorCode { _ = try decode(ByteBuffer(bytes: Array(bytes[..<cut]))) } == .truncated, "cut at \(cut)")
        }
    }

    // MARK: limits

    private func links(_ n: Int) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: (0..<n).map { ("n\($0)", 1.0) })
    }

    @Test("at most maximumLinks links")
    func linkLimit() throws {
        let atLimit = RoutingAdvertisement(origin: "o", sequence: 1, links: links(RoutingAdvertisement.maximumLinks))
        #expect(try decode(encode(atLimit)) == atLimit)
        // The encoder cuts lists at the cap, so the oversized wire form is written by hand.
        let over = RoutingAdvertisement(origin: "o", sequence: 1, links: links(RoutingAdvertisement.maximumLinks + 1))
        #expect(try decode(encode(over)).links.count == RoutingAdvertisement.maximumLinks)
        var raw = Self.rawHeader(origin: "o")
        raw.writeInteger(UInt16(RoutingAdvertisement.maximumLinks + 1))
        for i in 0...RoutingAdvertisement.maximumLinks {
            Self.writeName("n\(i)", into: &raw)
            raw.writeInteger(Double(1).bitPattern)
        }
        raw.writeInteger(UInt16(0))
        #expect(protocolErrorCode { _ = try decode(raw) } == .invalidField)
    }

    @Test("at most maximumServices services")
    func serviceLimit() throws {
        func services(_ n: Int) -> [ServiceAdvertisement] {
            (0..<n).map { ServiceAdvertisement(name: "s\($0)", connType: .stream) }
        }
        let atLimit = RoutingAdvertisement(origin: "o", sequence: 1, services: services(RoutingAdvertisement.maximumServices))
        #expect(try decode(encode(atLimit)) == atLimit)
        let over = RoutingAdvertisement(origin: "o", sequence: 1, services: services(RoutingAdvertisement.maximumServices + 1))
        #expect(try decode(encode(over)).services.count == RoutingAdvertisement.maximumServices)
        var raw = Self.rawHeader(origin: "o")
        raw.writeInteger(UInt16(0))
        raw.writeInteger(UInt16(RoutingAdvertisement.maximumServices + 1))
        for i in 0...RoutingAdvertisement.maximumServices {
            Self.writeService("s\(i)", tags: 0, work: 0, into: &raw)
        }
        #expect(protocolErrorCode { _ = try decode(raw) } == .invalidField)
    }

    @Test("at most 256 tags and 1024 work commands per service")
    func tagAndWorkCommandLimits() throws {
        func ad(tags: Int, work: Int) -> RoutingAdvertisement {
            RoutingAdvertisement(
                origin: "o",
                sequence: 1,
                services: [
                    ServiceAdvertisement(
                        name: "control",
                        connType: .stream,
                        tags: Dictionary(uniqueKeysWithValues: (0..<tags).map { ("k\($0)", "v") }),
                        workCommands: (0..<work).map { WorkCommandAdvertisement(workType: "w\($0)", secure: $0.isMultiple(of: 2)) }
                    )
                ]
            )
        }
        #expect(try decode(encode(ad(tags: 256, work: 1024))) == ad(tags: 256, work: 1024))
        #expect(try decode(encode(ad(tags: 257, work: 0))).services.first?.tags.count == 256)
        for (tags, work) in [(257, 0), (0, 1025)] {
            var raw = Self.rawHeader(origin: "o")
            raw.writeInteger(UInt16(0))
            raw.writeInteger(UInt16(1))
            Self.writeService("control", tags: tags, work: work, into: &raw)
            #expect(protocolErrorCode { _ = try decode(raw) } == .invalidField)
        }
    }

    /// The fixed fields of an advertisement's wire form, written by hand.
    private static func rawHeader(origin: String) -> ByteBuffer {
        var b = ByteBuffer()
        writeName(origin, into: &b)
        b.writeInteger(UInt64(1))  // sequence
        b.writeInteger(UInt64(0))  // instance
        b.writeInteger(UInt32(120_000))  // lifetime
        b.writeInteger(Int64(0))  // origin time
        return b
    }

    private static func writeName(_ name: String, into b: inout ByteBuffer) {
        b.writeInteger(UInt8(name.utf8.count))
        b.writeString(name)
    }

    private static func writeService(_ name: String, tags: Int, work: Int, into b: inout ByteBuffer) {
        writeName(name, into: &b)
        b.writeInteger(UInt8(1))  // stream
        b.writeInteger(UInt16(tags))
        for i in 0..<tags {
            for text in ["k\(i)", "v"] {
                b.writeInteger(UInt16(text.utf8.count))
                b.writeString(text)
            }
        }
        b.writeInteger(UInt16(work))
        for i in 0..<work {
            b.writeInteger(UInt16("w\(i)".utf8.count))
            b.writeString("w\(i)")
            b.writeInteger(UInt8(0))
        }
    }

    @Test("a routing frame carries many advertisements")
    func routingFrame() throws {
        let many = (0..<300).map { RoutingAdvertisement(origin: "node-\($0)", sequence: UInt64($0), links: ["hub": Double($0 + 1)]) }
        #expect(try decodeBody(body(.routing(many))) == .routing(many))
    }
}
