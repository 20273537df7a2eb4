import MeshProtocol
import MeshRouter

/// Many ``LinkStateRouter``s on an in-memory network, in simulated time.
///
/// Each host runs one router. Links are bidirectional, FIFO, and deliver a `send` action after
/// the link's latency; a message in flight when its link goes down (or is replaced by a new
/// link) is lost. Router timers run at their `nextTimerDeadline()`. Time advances only through
/// the event queue, in whole milliseconds, so a run is deterministic and never sleeps.
struct MeshSimulator {
    struct HostLink {
        var peer: Int
        var cost: Double
        var latency: Duration
        var generation: UInt64
    }

    /// What the simulator knows about a host besides its router.
    struct Host {
        var alive = true
        /// The deadline of the timer event currently armed, if any.
        var armedDeadline: Duration?
        var duplicateReports: [RoutingAdvertisement] = []
        /// Advertisements the router refused (absurd or over the caps).
        var rejections = 0
        var routesChangedCount = 0
    }

    enum Event {
        case deliver(to: Int, fromHost: Int, fromName: String, generation: UInt64, ads: [RoutingAdvertisement])
        case timer(host: Int, deadline: Duration)
    }

    static let wallClockBase: Int64 = 1_700_000_000_000

    var configuration: RouterConfiguration
    /// One router per host (kept apart from `hosts` so that reading one never copies the other).
    var routers: [LinkStateRouter] = []
    var hosts: [Host] = []
    /// Per host: neighbour node ID -> link.
    var links: [[String: HostLink]] = []
    private(set) var names: [String] = []
    private(set) var nowMillis: Int64 = 0
    private var queueTimes = MinHeap()
    private var buckets: [Int64: [Event]] = [:]
    private var nextGeneration: UInt64 = 1

    /// Messages (one `send` to one neighbour) put on the wire so far.
    var messagesSent = 0
    /// Advertisements handed to `receive` so far.
    var advertisementsDelivered = 0
    /// `send` actions naming a neighbour the host has no link to (must stay 0).
    var sendsToNonNeighbours = 0

    init(configuration: RouterConfiguration = .init()) {
        self.configuration = configuration
    }

    var now: Duration { .milliseconds(nowMillis) }
    var wallClockMillis: Int64 { Self.wallClockBase + nowMillis }

    // MARK: - Building

    /// Adds a host running a fresh router; returns its index.
    @discardableResult
    mutating func addHost(_ name: String, instance: UInt64? = nil, initialSequence: UInt64 = 1) -> Int {
        let index = hosts.count
        routers.append(makeRouter(name, instance: instance ?? UInt64(index + 1), initialSequence: initialSequence))
        hosts.append(Host())
        links.append([:])
        names.append(name)
        return index
    }

    /// Adds one host per topology node (named `Topology.name`) and brings every edge up now.
    mutating func build(_ topology: Topology) {
        for node in 0..<topology.nodeCount {
            addHost(Topology.name(node))
        }
        for edge in topology.edges {
            connect(edge.a, edge.b, cost: Double(edge.cost), latency: .milliseconds(edge.latencyMillis))
        }
    }

    private func makeRouter(_ name: String, instance: UInt64, initialSequence: UInt64) -> LinkStateRouter {
        LinkStateRouter(
            localNode: name,
            instance: instance,
            initialSequence: initialSequence,
            startTimeMillis: wallClockMillis,
            configuration: configuration
        )
    }

    func name(_ host: Int) -> String { names[host] }

    // MARK: - Events from outside

    /// Brings a link up between two hosts (both ends call `linkUp`).
    mutating func connect(_ a: Int, _ b: Int, cost: Double = 1, latency: Duration = .milliseconds(5)) {
        let generation = nextGeneration
        nextGeneration += 1
        let nameA = name(a)
        let nameB = name(b)
        links[a][nameB] = HostLink(peer: b, cost: cost, latency: latency, generation: generation)
        links[b][nameA] = HostLink(peer: a, cost: cost, latency: latency, generation: generation)
        perform(a) { $0.linkUp(nameB, cost: cost, now: $1, wallClockMillis: $2) }
        perform(b) { $0.linkUp(nameA, cost: cost, now: $1, wallClockMillis: $2) }
    }

    /// Takes a link down (both ends call `linkDown`); messages in flight on it are lost.
    mutating func disconnect(_ a: Int, _ b: Int) {
        let nameA = name(a)
        let nameB = name(b)
        guard links[a].removeValue(forKey: nameB) != nil else { return }
        links[b].removeValue(forKey: nameA)
        perform(a) { $0.linkDown(nameB, now: $1, wallClockMillis: $2) }
        perform(b) { $0.linkDown(nameA, now: $1, wallClockMillis: $2) }
    }

    /// Takes every link of `host` down and stops it.
    mutating func kill(_ host: Int) {
        for link in links[host].values.sorted(by: { $0.peer < $1.peer }) {
            disconnect(host, link.peer)
        }
        hosts[host].alive = false
        hosts[host].armedDeadline = nil
    }

    /// Starts a killed host again with a fresh router (new process: new instance, start time now).
    mutating func restart(_ host: Int, instance: UInt64, initialSequence: UInt64) {
        precondition(!hosts[host].alive && links[host].isEmpty)
        routers[host] = makeRouter(name(host), instance: instance, initialSequence: initialSequence)
        hosts[host].alive = true
        hosts[host].armedDeadline = nil
    }

    mutating func setServices(_ host: Int, _ services: [ServiceAdvertisement]) {
        perform(host) { $0.setLocalServices(services, now: $1, wallClockMillis: $2) }
    }

    /// Runs a router call on `host` now and carries out its actions.
    mutating func perform(
        _ host: Int,
        _ body: (inout LinkStateRouter, Duration, Int64) -> [RouterAction]
    ) {
        // Stored properties only: in debug builds calling a getter on `self` copies the simulator.
        let actions = body(&routers[host], .milliseconds(nowMillis), Self.wallClockBase + nowMillis)
        carryOut(actions, of: host)
        armTimer(host)
    }

    // MARK: - Running

    /// Processes every event due up to and including `nowMillis + duration`, then sets the clock there.
    mutating func run(for duration: Duration) {
        let end = nowMillis + duration.wholeMillis
        while let time = queueTimes.min, time <= end {
            queueTimes.removeMin()
            guard let events = buckets.removeValue(forKey: time) else { continue }
            nowMillis = time
            for event in events {
                process(event)
            }
        }
        nowMillis = end
    }

    private mutating func process(_ event: Event) {
        switch event {
        case .deliver(let to, let fromHost, let fromName, let generation, let ads):
            guard hosts[to].alive,
                let back = links[to][fromName],
                back.peer == fromHost,
                back.generation == generation
            else { return }
            let now = Duration.milliseconds(nowMillis)
            let wallClock = Self.wallClockBase + nowMillis
            for ad in ads {
                advertisementsDelivered += 1
                let actions = routers[to].receive(ad, from: fromName, now: now, wallClockMillis: wallClock)
                carryOut(actions, of: to)
            }
            armTimer(to)
        case .timer(let host, let deadline):
            guard hosts[host].alive, hosts[host].armedDeadline == deadline else { return }
            hosts[host].armedDeadline = nil
            perform(host) { $0.tick(now: $1, wallClockMillis: $2) }
        }
    }

    private mutating func carryOut(_ actions: [RouterAction], of host: Int) {
        for action in actions {
            switch action {
            case .send(let ads, let targets), .refresh(let ads, let targets):
                for target in targets {
                    guard let link = links[host][target] else {
                        sendsToNonNeighbours += 1
                        continue
                    }
                    messagesSent += 1
                    schedule(
                        .deliver(to: link.peer, fromHost: host, fromName: names[host], generation: link.generation, ads: ads),
                        at: nowMillis + link.latency.wholeMillis
                    )
                }
            case .routesChanged:
                hosts[host].routesChangedCount += 1
            case .duplicateNode(let ad):
                hosts[host].duplicateReports.append(ad)
            case .rejected:
                hosts[host].rejections += 1
            }
        }
    }

    private mutating func armTimer(_ host: Int) {
        guard hosts[host].alive else { return }
        let deadline = routers[host].nextTimerDeadline()
        guard deadline != hosts[host].armedDeadline else { return }
        hosts[host].armedDeadline = deadline
        if let deadline {
            let millis = deadline.wholeMillis + (deadline == .milliseconds(deadline.wholeMillis) ? 0 : 1)
            schedule(.timer(host: host, deadline: deadline), at: max(millis, nowMillis))
        }
    }

    private mutating func schedule(_ event: Event, at time: Int64) {
        if buckets[time] == nil {
            queueTimes.insert(time)
        }
        buckets[time, default: []].append(event)
    }
}

extension Duration {
    /// Whole milliseconds, rounded toward zero.
    var wholeMillis: Int64 {
        let parts = components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}

/// A binary min-heap of event times.
struct MinHeap {
    private var items: [Int64] = []

    var min: Int64? { items.first }

    mutating func insert(_ value: Int64) {
        items.append(value)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeMin() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            guard smallest != parent else { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
