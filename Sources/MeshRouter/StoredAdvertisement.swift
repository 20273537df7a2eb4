import MeshProtocol

/// A neighbour-originated advertisement as the router holds it, with local (monotonic) times.
struct StoredAdvertisement: Sendable {
    /// The advertisement exactly as received.
    var advertisement: RoutingAdvertisement
    /// Our clock when we accepted it.
    var receivedAt: Duration
    /// `receivedAt` plus the advertisement's own lifetime; after it the record is dropped.
    var expiresAt: Duration

    init(_ advertisement: RoutingAdvertisement, receivedAt: Duration) {
        self.advertisement = advertisement
        self.receivedAt = receivedAt
        self.expiresAt = receivedAt + .milliseconds(Int64(advertisement.lifetimeMillis))
    }

    /// The copy to send on at `now`: its lifetime cut to what is left of ours, so that passing a
    /// record around can never keep it alive past its origin's last refresh. `nil` once expired.
    func forwardingCopy(now: Duration) -> RoutingAdvertisement? {
        let remaining = (expiresAt - now).wholeMilliseconds
        guard remaining > 0 else { return nil }
        var copy = advertisement
        copy.lifetimeMillis = UInt32(clamping: remaining)
        return copy
    }
}
