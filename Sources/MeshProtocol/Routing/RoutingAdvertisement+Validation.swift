extension RoutingAdvertisement {
    /// Highest sequence number any node accepts. Honest sequences start near the wall clock in
    /// microseconds (about 2^51 today) and grow by one per update, so nothing honest comes near
    /// 2^62, and 2^62 leaves 2^63 of headroom: no sum of a sequence and a reservation block can
    /// overflow.
    public static let maximumSequence: UInt64 = 1 << 62
    /// An origin adopts a sequence of its own that the mesh remembers (from an earlier run) only
    /// up to this, so that it can always go on at least 2^40 more updates below
    /// ``maximumSequence``. A forged "memory" above it is ignored instead of adopted.
    public static let maximumAdoptedSequence: UInt64 = maximumSequence - (1 << 40)
    /// Latest origin time accepted: the end of year 9999 in Unix milliseconds (what RFC 3339
    /// can print). Times before 1970 are refused too.
    public static let maximumOriginTimeMillis: Int64 = 253_402_300_799_999
    /// Longest lifetime accepted: 7 days.
    public static let maximumLifetimeMillis: UInt32 = 7 * 24 * 3_600_000
    /// Highest link cost accepted (receptor's costs are small positive floats; 1.0 by default).
    public static let maximumLinkCost: Double = 1_000_000_000

    /// Why no honest node could have sent this advertisement, or nil when it is plausible.
    ///
    /// The decoder already guarantees valid names, finite positive costs and bounded list sizes;
    /// this adds the value ranges. A node drops an advertisement that fails here, counts it as a
    /// protocol error and does not flood it on.
    public var absurdity: String? {
        if sequence > Self.maximumSequence { return "sequence \(sequence) is above \(Self.maximumSequence)" }
        if originTimeMillis < 0 || originTimeMillis > Self.maximumOriginTimeMillis {
            return "origin time \(originTimeMillis) ms is outside 1970..9999"
        }
        if lifetimeMillis == 0 || lifetimeMillis > Self.maximumLifetimeMillis {
            return "lifetime \(lifetimeMillis) ms is outside 1 ms..7 days"
        }
        for (peer, cost) in links {
            guard cost.isFinite, cost > 0, cost <= Self.maximumLinkCost else {
                return "link to \(peer) has cost \(cost) (must be in (0, \(Self.maximumLinkCost))"
            }
            if peer == origin { return "links to itself" }
        }
        if let problem = MeshName.nodeIDProblem(origin) { return problem }
        for peer in links.keys {
            if let problem = MeshName.nodeIDProblem(peer) { return "link peer: \(problem)" }
        }
        for service in services {
            if let problem = MeshName.serviceNameProblem(service.name) { return problem }
        }
        return nil
    }
}
