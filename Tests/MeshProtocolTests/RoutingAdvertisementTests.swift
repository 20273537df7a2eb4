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
        let over = RoutingAdvertisement(origin: "o", sequence: 1, links: links(RoutingAdvertisement.maximumLinks + 1))
        #expect(protocolErrorCode { _ = try decode(encode(over)) } == .invalidField)
    }

    @Test("at most maximumServices services")
    func serviceLimit() throws {
        func services(_ n: Int) -> [ServiceAdvertisement] {
            (0..<n).map { ServiceAdvertisement(name: "s\($0)", connType: .stream) }
        }
        let atLimit = RoutingAdvertisement(origin: "o", sequence: 1, services: services(RoutingAdvertisement.maximumServices))
        #expect(try decode(encode(atLimit)) == atLimit)
        let over = RoutingAdvertisement(origin: "o", sequence: 1, services: services(RoutingAdvertisement.maximumServices + 1))
        #expect(protocolErrorCode { _ = try decode(encode(over)) } == .invalidField)
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
        #expect(protocolErrorCode { _ = try decode(encode(ad(tags: 257, work: 0))) } == .invalidField)
        #expect(protocolErrorCode { _ = try decode(encode(ad(tags: 0, work: 1025))) } == .invalidField)
    }

    @Test("a routing frame carries many advertisements")
    func routingFrame() throws {
        let many = (0..<300).map { RoutingAdvertisement(origin: "node-\($0)", sequence: UInt64($0), links: ["hub": Double($0 + 1)]) }
        #expect(try decodeBody(body(.routing(many))) == .routing(many))
    }
}
