public import MeshProtocol

/// The link-state database of one node: its own advertisement, everyone else's newest one,
/// flooding decisions, aging, and shortest paths.
///
/// A pure value. Feed it events (`linkUp`, `linkDown`, `setLocalServices`, `receive`, `tick`)
/// with the current monotonic time (`now`, a ``Swift/Duration`` since any fixed origin the
/// caller chooses) and wall clock; perform the ``RouterAction``s it returns; call ``tick(now:wallClockMillis:)``
/// at ``nextTimerDeadline()``. It does no I/O, reads no clock and draws no random numbers.
///
/// See `README.md` next to this file for the rules (flooding, sequence and instance
/// semantics, aging, the two-way check and tie-breaking).
public struct LinkStateRouter: Sendable {
    /// Our node ID.
    public let localNode: String
    /// Our instance number (random per process start, chosen by the caller).
    public let instance: UInt64
    /// Wall clock (Unix milliseconds) when this process started. Our-origin advertisements of
    /// another instance made before it are memories of an earlier run, not duplicates.
    public let startTimeMillis: Int64
    /// Timers and caps.
    public let configuration: RouterConfiguration

    /// The highest sequence number of our own origin: the last one we used, or one learned
    /// from an earlier run of ours that we must exceed. Our next advertisement uses `sequence + 1`.
    /// Persist a reservation above it to keep sequences increasing across restarts.
    public internal(set) var sequence: UInt64

    /// The last advertisement we originated.
    var ownAdvertisement: RoutingAdvertisement
    /// Live links: neighbour -> cost.
    var localLinks: [String: Double] = [:]
    /// `localLinks.keys`, sorted (the flood target list).
    var sortedNeighbours: [String] = []
    /// Services to put in our next advertisement.
    var localServices: [ServiceAdvertisement] = []
    /// Other origins' newest advertisements.
    var store: [String: StoredAdvertisement] = [:]
    /// When each stored advertisement ages out.
    var expiries = ExpiryQueue()
    /// When the coalesced own advertisement is due (set while a local change is pending).
    var floodDeadline: Duration?
    /// When our advertisement must be re-originated even if nothing changed.
    var refreshDeadline: Duration?
    /// Duplicate instances reported so far -> highest sequence reported (bounded).
    var reportedDuplicates: [UInt64: UInt64] = [:]
    /// Shortest paths for the current links and store; `nil` after any change, until read.
    var cachedPaths: ShortestPaths?
    /// Bumped on every change of links or store (keys the neighbour-path cache).
    var pathsGeneration = 0
    /// Shortest paths as each neighbour computes them, for the source check.
    var neighbourPaths: [String: (generation: Int, paths: ShortestPaths)] = [:]

    /// - Parameters:
    ///   - localNode: our node ID.
    ///   - instance: random per process start; tells a second live process with our ID apart.
    ///   - initialSequence: sequence number of the advertisement we start with (it lists no
    ///     links and is not sent; the first one sent uses `initialSequence + 1` or more). Pass
    ///     a value above anything a previous run used; if it is lower, the router learns the old
    ///     sequence from its neighbours and jumps above it (see README).
    ///   - startTimeMillis: wall clock (Unix milliseconds) at process start.
    ///   - configuration: timers and caps.
    public init(
        localNode: String,
        instance: UInt64,
        initialSequence: UInt64,
        startTimeMillis: Int64,
        configuration: RouterConfiguration = .init()
    ) {
        self.localNode = localNode
        self.instance = instance
        self.startTimeMillis = startTimeMillis
        self.configuration = configuration
        self.sequence = initialSequence
        self.ownAdvertisement = RoutingAdvertisement(
            origin: localNode,
            sequence: initialSequence,
            instance: instance,
            lifetimeMillis: configuration.lifetimeMillis,
            originTimeMillis: startTimeMillis
        )
    }

    // MARK: - Reading the database

    /// Destination -> first-hop neighbour, for every reachable node. Never contains
    /// ``localNode``.
    ///
    /// Cached: the first read after a change runs Dijkstra (O(E log V), about a millisecond per
    /// 1,000 nodes in a debug build); later reads are free until the next change. That is why the
    /// getter is `mutating`: keep the router in a `var`.
    public var routingTable: [String: String] {
        mutating get { shortestPaths.nextHops }
    }

    /// Destination -> total path cost, for every reachable node. Never contains ``localNode``.
    /// Cached like ``routingTable``.
    public var pathCosts: [String: Double] {
        mutating get { shortestPaths.costs }
    }

    /// Next hops and path costs. Cached like ``routingTable``.
    public var shortestPaths: ShortestPaths {
        mutating get {
            if let cachedPaths {
                return cachedPaths
            }
            let paths = ShortestPaths(localNode: localNode, localLinks: localLinks, store: store)
            cachedPaths = paths
            return paths
        }
    }

    /// Origin -> (neighbour -> cost) for every stored advertisement, as advertised (not
    /// filtered by the two-way check), and our live links under ``localNode``.
    public var knownConnectionCosts: [String: [String: Double]] {
        var result = store.mapValues(\.advertisement.links)
        result[localNode] = localLinks
        return result
    }

    /// Every stored advertisement, ours (the last we originated) included, sorted by origin.
    public var advertisements: [RoutingAdvertisement] {
        var result = store.values.map(\.advertisement)
        result.append(ownAdvertisement)
        result.sort { $0.origin < $1.origin }
        return result
    }

    /// Whether a usable path to `node` exists (`true` for ``localNode``). Free while the cached
    /// ``routingTable`` is current (after any read of it since the last change); otherwise it
    /// runs Dijkstra without caching the result.
    public func isReachable(_ node: String) -> Bool {
        if node == localNode { return true }
        let paths = cachedPaths ?? ShortestPaths(localNode: localNode, localLinks: localLinks, store: store)
        return paths.nextHops[node] != nil
    }

    /// The stored advertisement of `node` (for ``localNode``, the last one we originated).
    public func nodeRecord(_ node: String) -> RoutingAdvertisement? {
        node == localNode ? ownAdvertisement : store[node]?.advertisement
    }

    /// Up neighbours -> link cost.
    public var neighbours: [String: Double] { localLinks }

    /// When ``tick(now:wallClockMillis:)`` should run next: a coalesced flood, a refresh, or
    /// the next expiry. `nil` when nothing is pending.
    public func nextTimerDeadline() -> Duration? {
        var earliest = floodDeadline
        if let refreshDeadline, !localLinks.isEmpty, earliest.map({ refreshDeadline < $0 }) ?? true {
            earliest = refreshDeadline
        }
        if let expiry = expiries.next, earliest.map({ expiry < $0 }) ?? true {
            earliest = expiry
        }
        return earliest
    }
}
