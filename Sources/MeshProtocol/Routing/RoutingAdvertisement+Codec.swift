import NIOCore

extension RoutingAdvertisement {
    /// Most links one advertisement may carry.
    public static let maximumLinks = 4096
    /// Most services one advertisement may carry.
    public static let maximumServices = 1024

    /// Appends the wire form to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeShortString(origin)
        buffer.writeInteger(sequence)
        buffer.writeInteger(instance)
        buffer.writeInteger(lifetimeMillis)
        buffer.writeInteger(originTimeMillis)
        // Lists are cut at their decoders' caps instead of trapping (ours never reach them).
        let sortedLinks = links.sorted { $0.key < $1.key }.prefix(Self.maximumLinks)
        buffer.writeInteger(UInt16(truncatingIfNeeded: sortedLinks.count))
        for (peer, cost) in sortedLinks {
            buffer.writeShortString(peer)
            buffer.writeDouble(cost)
        }
        let cappedServices = services.prefix(Self.maximumServices)
        buffer.writeInteger(UInt16(truncatingIfNeeded: cappedServices.count))
        for service in cappedServices {
            service.encode(into: &buffer)
        }
    }

    /// Reads one advertisement; throws on truncation, bad UTF-8, non-finite costs or oversize lists.
    public static func decode(from buffer: inout ByteBuffer) throws -> RoutingAdvertisement {
        let origin = try buffer.readNodeIDOrThrow("origin")
        let sequence: UInt64 = try buffer.readOrThrow("sequence")
        let instance: UInt64 = try buffer.readOrThrow("instance")
        let lifetime: UInt32 = try buffer.readOrThrow("lifetime")
        let time: Int64 = try buffer.readOrThrow("origin time")
        let linkCount = Int(try buffer.readOrThrow("link count", as: UInt16.self))
        guard linkCount <= maximumLinks else { throw MeshProtocolError(.invalidField, "too many links") }
        var links: [String: Double] = [:]
        links.reserveCapacity(linkCount)
        for _ in 0..<linkCount {
            let peer = try buffer.readNodeIDOrThrow("link peer")
            let cost = try buffer.readDoubleOrThrow("link cost")
            guard cost > 0 else { throw MeshProtocolError(.invalidField, "link cost must be positive") }
            links[peer] = cost
        }
        let serviceCount = Int(try buffer.readOrThrow("service count", as: UInt16.self))
        guard serviceCount <= maximumServices else { throw MeshProtocolError(.invalidField, "too many services") }
        var services: [ServiceAdvertisement] = []
        services.reserveCapacity(serviceCount)
        for _ in 0..<serviceCount {
            services.append(try ServiceAdvertisement.decode(from: &buffer))
        }
        return RoutingAdvertisement(
            origin: origin,
            sequence: sequence,
            instance: instance,
            lifetimeMillis: lifetime,
            originTimeMillis: time,
            links: links,
            services: services
        )
    }
}

extension ServiceAdvertisement {
    /// Most tags one service may carry.
    public static let maximumTags = 256
    /// Most work commands one service may carry.
    public static let maximumWorkCommands = 1024

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeShortString(name)
        buffer.writeInteger(connType.rawValue)
        let sortedTags = tags.sorted { $0.key < $1.key }.prefix(Self.maximumTags)
        buffer.writeInteger(UInt16(truncatingIfNeeded: sortedTags.count))
        for (k, v) in sortedTags {
            buffer.writeMediumString(k)
            buffer.writeMediumString(v)
        }
        let cappedCommands = workCommands.prefix(Self.maximumWorkCommands)
        buffer.writeInteger(UInt16(truncatingIfNeeded: cappedCommands.count))
        for wc in cappedCommands {
            buffer.writeMediumString(wc.workType)
            buffer.writeInteger(UInt8(wc.secure ? 1 : 0))
        }
    }

    static func decode(from buffer: inout ByteBuffer) throws -> ServiceAdvertisement {
        let name = try buffer.readServiceNameOrThrow("service name")
        let rawType: UInt8 = try buffer.readOrThrow("conn type")
        guard let connType = ConnType(rawValue: rawType) else {
            throw MeshProtocolError(.invalidField, "conn type \(rawType)")
        }
        let tagCount = Int(try buffer.readOrThrow("tag count", as: UInt16.self))
        guard tagCount <= maximumTags else { throw MeshProtocolError(.invalidField, "too many tags") }
        var tags: [String: String] = [:]
        for _ in 0..<tagCount {
            let k = try buffer.readMediumStringOrThrow("tag key")
            tags[k] = try buffer.readMediumStringOrThrow("tag value")
        }
        let wcCount = Int(try buffer.readOrThrow("work command count", as: UInt16.self))
        guard wcCount <= maximumWorkCommands else { throw MeshProtocolError(.invalidField, "too many work commands") }
        var wcs: [WorkCommandAdvertisement] = []
        for _ in 0..<wcCount {
            let t = try buffer.readMediumStringOrThrow("work type")
            let secure: UInt8 = try buffer.readOrThrow("secure flag")
            wcs.append(WorkCommandAdvertisement(workType: t, secure: secure != 0))
        }
        return ServiceAdvertisement(name: name, connType: connType, tags: tags, workCommands: wcs)
    }
}
