import MeshProtocol
import MeshRouter

/// Shorthand for a routing advertisement in tests.
func advert(
    _ origin: String,
    _ sequence: UInt64,
    instance: UInt64 = 7,
    links: [String: Double] = [:],
    services: [ServiceAdvertisement] = [],
    lifetimeMillis: UInt32 = 120_000,
    originTimeMillis: Int64 = 0
) -> RoutingAdvertisement {
    RoutingAdvertisement(
        origin: origin,
        sequence: sequence,
        instance: instance,
        lifetimeMillis: lifetimeMillis,
        originTimeMillis: originTimeMillis,
        links: links,
        services: services
    )
}

func ms(_ value: Int64) -> Duration { .milliseconds(value) }

/// The wall clock the unit tests pretend it is (well after every test advertisement's origin time).
let testStartMillis: Int64 = 1_000_000

/// A router named `name` with links already up (their coalesced advertisement flushed at 20 ms,
/// so the test starts from a quiet state at time 20 ms).
func quietRouter(
    _ name: String = "A",
    links: [String: Double] = [:],
    configuration: RouterConfiguration = .init()
) -> LinkStateRouter {
    var router = LinkStateRouter(
        localNode: name,
        instance: 1,
        initialSequence: 1,
        startTimeMillis: testStartMillis,
        configuration: configuration
    )
    for (neighbour, cost) in links.sorted(by: { $0.key < $1.key }) {
        _ = router.linkUp(neighbour, cost: cost, now: .zero, wallClockMillis: testStartMillis)
    }
    _ = router.tick(now: ms(20), wallClockMillis: testStartMillis + 20)
    return router
}

extension [RouterAction] {
    /// The advertisements and targets of every `send` action, in order.
    /// Every advertisement to send, news (`.send`) and refreshes (`.refresh`) alike.
    var sends: [(ads: [RoutingAdvertisement], to: [String])] {
        compactMap {
            switch $0 {
            case .send(let ads, let targets), .refresh(let ads, let targets): return (ads, targets)
            default: return nil
            }
        }
    }

    /// Only the refreshes: advertisements that change nothing, which may wait for a heartbeat.
    var refreshes: [(ads: [RoutingAdvertisement], to: [String])] {
        compactMap {
            if case .refresh(let ads, let targets) = $0 { return (ads, targets) }
            return nil
        }
    }

    var containsRoutesChanged: Bool { contains(.routesChanged) }
}

extension Array where Element == RouterAction {
    /// The router refused the advertisement: nothing but `.rejected` (no send, no route change).
    var onlyRejections: Bool {
        !isEmpty && allSatisfy { if case .rejected = $0 { true } else { false } }
    }
}
