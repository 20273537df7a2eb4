import MeshProtocol

/// Timing and size limits of a ``LinkStateRouter``.
///
/// The defaults suit a fleet mesh: an advertisement is re-originated every 30 s and dropped by
/// receivers after 120 s without a newer one, so a node has to miss three refreshes in a row
/// before the mesh forgets it.
public struct RouterConfiguration: Sendable, Hashable {
    /// How often the router re-originates its own advertisement even if nothing changed, so
    /// that live nodes never age out elsewhere. Keep it well below ``lifetime``.
    public var refreshInterval: Duration
    /// How long receivers keep our advertisement without a newer one. It travels in every
    /// advertisement we originate (``MeshProtocol/RoutingAdvertisement/lifetimeMillis``), so the
    /// originator, not the receiver, decides how long its record lives.
    public var lifetime: Duration
    /// Local changes (links, services) within this delay are coalesced into one advertisement.
    /// Zero or less originates at once, inside the call that made the change.
    public var floodDelay: Duration
    /// Most origins stored, including our own; advertisements of further origins are ignored.
    public var maxOrigins: Int
    /// Advertisements listing more links than this are ignored; `linkUp` beyond it is refused.
    public var maxLinksPerAdvertisement: Int
    /// Advertisements listing more services than this are ignored.
    public var maxServicesPerAdvertisement: Int

    /// - Parameters:
    ///   - refreshInterval: re-origination period of our own advertisement.
    ///   - lifetime: how long receivers keep our advertisement without a newer one.
    ///   - floodDelay: coalescing delay for local changes.
    ///   - maxOrigins: cap on stored origins (ours included).
    ///   - maxLinksPerAdvertisement: cap on links per advertisement.
    ///   - maxServicesPerAdvertisement: cap on services per advertisement.
    public init(
        refreshInterval: Duration = .seconds(30),
        lifetime: Duration = .seconds(120),
        floodDelay: Duration = .milliseconds(20),
        maxOrigins: Int = 10_000,
        maxLinksPerAdvertisement: Int = 4096,
        maxServicesPerAdvertisement: Int = 1024
    ) {
        self.refreshInterval = refreshInterval
        self.lifetime = lifetime
        self.floodDelay = floodDelay
        self.maxOrigins = maxOrigins
        self.maxLinksPerAdvertisement = maxLinksPerAdvertisement
        self.maxServicesPerAdvertisement = maxServicesPerAdvertisement
    }

    /// ``lifetime`` as carried on the wire (clamped to `UInt32` milliseconds, at least 1).
    var lifetimeMillis: UInt32 {
        min(UInt32(clamping: max(lifetime.wholeMilliseconds, 1)), RoutingAdvertisement.maximumLifetimeMillis)
    }

    /// ``refreshInterval``, at least one millisecond so the timer can never spin.
    var effectiveRefreshInterval: Duration {
        max(refreshInterval, .milliseconds(1))
    }
}
