// Harness: the link-state router (Sources/MeshRouter/LinkStateRouter*.swift).
//
// The input is a program for one router, node "n0", in a mesh of nodes "n0"..."n7". The first
// byte picks a configuration (flood delay, caps, lifetimes); then each op byte picks an event and
// the following bytes are its operands (reads past the end give zeros):
//
//   0 linkUp(node, cost)            5 tick at nextTimerDeadline()
//   1 linkDown(node)                6 setLocalServices(...)
//   2 receive(synthetic ad, from:)  7 read the database (routing table, costs, source check, ...)
//   3 receive(wire-decoded ad)      8 tick now (early or late is harmless)
//   4 advance the clock, then tick
//
// After every event the harness checks what the router documents:
//  - every advertisement it asks to send survives the wire codec (encode -> decode, equal),
//    has a nonzero lifetime and is addressed only to up neighbours;
//  - the routing table never contains the local node, its next hops are up neighbours and it has
//    the same destinations as the path costs;
//  - after `tick(now:)` the next timer deadline is not at or before `now` (no busy loop).

import FuzzSupport
import MeshProtocol
import MeshRouter
import NIOCore
import ProtocolSamples

private let name = "router"
private let nodes = (0..<8).map { "n\($0)" }
private let local = nodes[0]
private let startMillis: Int64 = 1_700_000_000_000

/// libFuzzer's one-time setup: writes the seed corpus instead when `FUZZ_WRITE_SEEDS` is set.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    Seeds.writeSeedsIfRequested {
        // A chain n0 - n1 - n2 coming up, a flood, aging, a link loss; and the same with caps.
        let chain: [UInt8] = [
            0x00,  // flood at once, default caps
            0, 1, 8,  // linkUp n1, cost 1
            2, 1, 1, 1, 40, 128, 2, 0, 8, 2, 8, 0, 1,  // n1 advertises links to n0 and n2, from n1
            2, 2, 1, 1, 40, 128, 1, 1, 8, 1, 1,  // n2 advertises a link to n1 and a service, from n1
            5, 7, 2, 1,  // tick at the deadline; read, with a source check of n2 via n1
            4, 200, 5, 5,  // time passes: refreshes and expiries
            1, 1, 7, 2, 0,  // n1 goes down; read
        ]
        let capped: [UInt8] = [0x03] + chain.dropFirst() + [0, 2, 16, 0, 3, 24, 0, 4, 32, 6, 2, 7, 4, 4]
        var wire: [UInt8] = [0x01, 0, 1, 8]
        for ad in Samples.advertisements {
            let bytes = Samples.encode(ad).readableArray
            if bytes.count < 256 { wire += [3, UInt8(bytes.count)] + bytes + [1] }
        }
        wire += [7, 2, 1, 5]
        return [("chain", chain), ("capped", capped), ("wire-ads", wire)]
    }
    return 0
}

/// libFuzzer's entry point: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    var run = RouterRun(configurationByte: input.byte())
    var steps = 0
    while !input.isAtEnd && steps < 512 {
        run.step(&input)
        steps += 1
    }
    return 0
}

/// One router and its clocks while a program runs.
struct RouterRun {
    var router: LinkStateRouter
    var now: Duration = .seconds(1)
    var wallMillis = startMillis

    /// A router whose configuration comes from the program's first byte.
    init(configurationByte b: UInt8) {
        var configuration = RouterConfiguration()
        if b & 1 == 0 { configuration.floodDelay = .zero }
        if b & 2 != 0 {
            configuration.maxOrigins = 4
            configuration.maxLinksPerAdvertisement = 3
            configuration.maxServicesPerAdvertisement = 2
        }
        if b & 4 != 0 {
            configuration.lifetime = .seconds(2)
            configuration.refreshInterval = .milliseconds(500)
        }
        if b & 8 != 0 { configuration.refreshInterval = .zero }
        router = LinkStateRouter(
            localNode: local,
            instance: UInt64(b >> 4),
            initialSequence: UInt64(b >> 6),
            startTimeMillis: startMillis,
            configuration: configuration
        )
    }

    /// Runs one op, then checks the actions it returned (against the router's state after it).
    mutating func step(_ input: inout FuzzInput) {
        let actions = perform(&input)
        check(actions)
    }

    /// Decodes one op and its operands from `input` and feeds the event to the router.
    mutating func perform(_ input: inout FuzzInput) -> [RouterAction] {
        switch input.byte() % 9 {
        case 0:
            let node = Self.node(input.byte())
            let cost = Self.cost(input.byte())
            return router.linkUp(node, cost: cost, now: now, wallClockMillis: wallMillis)
        case 1:
            return router.linkDown(Self.node(input.byte()), now: now, wallClockMillis: wallMillis)
        case 2:
            let ad = Self.syntheticAdvertisement(&input, wallMillis: wallMillis)
            return router.receive(ad, from: Self.node(input.byte()), now: now, wallClockMillis: wallMillis)
        case 3:
            var wire = ByteBuffer(bytes: input.take(Int(input.byte())))
            let from = Self.node(input.byte())
            guard let ad = try? RoutingAdvertisement.decode(from: &wire) else { return [] }
            return router.receive(ad, from: from, now: now, wallClockMillis: wallMillis)
        case 4:
            let b = Int64(input.byte())
            advance(by: .milliseconds(b * b * 4))
            return tick()
        case 5:
            if let deadline = router.nextTimerDeadline(), deadline > now {
                advance(by: deadline - now)
            }
            return tick()
        case 6:
            var services: [ServiceAdvertisement] = []
            for i in 0..<Int(input.byte() % 4) {
                services.append(ServiceAdvertisement(name: "svc\(i)", connType: .stream))
            }
            return router.setLocalServices(services, now: now, wallClockMillis: wallMillis)
        case 7:
            read(source: Self.node(input.byte()), neighbour: Self.node(input.byte()))
            return []
        default:
            return tick()
        }
    }

    /// Moves both clocks forward by `delta`.
    mutating func advance(by delta: Duration) {
        now += delta
        wallMillis += Int64(delta.components.seconds) * 1000 + delta.components.attoseconds / 1_000_000_000_000_000
    }

    /// Runs the router's timers at `now` and checks that no deadline is left at or before it.
    mutating func tick() -> [RouterAction] {
        let actions = router.tick(now: now, wallClockMillis: wallMillis)
        if let next = router.nextTimerDeadline(), next <= now {
            invariantFailure(name, "after tick(now: \(now)) the next timer deadline is \(next): the runtime would spin")
        }
        return actions
    }

    /// Reads everything the runtime reads, and checks the routing table.
    mutating func read(source: String, neighbour: String) {
        let table = router.routingTable
        let costs = router.pathCosts
        let neighbours = router.neighbours
        if table[local] != nil { invariantFailure(name, "the routing table contains the local node: \(table)") }
        if Set(table.keys) != Set(costs.keys) {
            invariantFailure(name, "routing table and path costs name different nodes: \(table) vs \(costs)")
        }
        for (destination, hop) in table where neighbours[hop] == nil {
            invariantFailure(name, "next hop \(hop) to \(destination) is not an up neighbour (\(neighbours))")
        }
        for node in nodes where router.isReachable(node) != (node == local || table[node] != nil) {
            invariantFailure(name, "isReachable(\(node)) disagrees with the routing table \(table)")
        }
        _ = router.isPlausibleSource(source, from: neighbour)
        _ = router.knownConnectionCosts
        _ = router.nodeRecord(source)
        for ad in router.advertisements { checkWire(ad) }
    }

    /// Checks the actions of one event.
    func check(_ actions: [RouterAction]) {
        let neighbours = router.neighbours
        for action in actions {
            let ads: [RoutingAdvertisement]
            let targets: [String]
            switch action {
            case .send(let a, let t), .refresh(let a, let t): (ads, targets) = (a, t)
            default: continue
            }
            for target in targets where neighbours[target] == nil {
                invariantFailure(name, "sends to \(target), which is not an up neighbour (\(neighbours))")
            }
            for ad in ads {
                if ad.lifetimeMillis == 0 { invariantFailure(name, "sends an advertisement with no lifetime: \(ad)") }
                checkWire(ad)
            }
        }
    }

    /// An advertisement the router hands out must cross the wire unchanged.
    func checkWire(_ ad: RoutingAdvertisement) {
        var wire = Samples.encode(ad)
        guard let back = try? RoutingAdvertisement.decode(from: &wire), back == ad, wire.readableBytes == 0 else {
            invariantFailure(name, "advertisement does not survive the wire codec: \(ad)")
        }
    }

    /// One of the eight node names.
    static func node(_ b: UInt8) -> String { nodes[Int(b % 8)] }

    /// Mostly ordinary costs; 0 and infinity, which the router must refuse, now and then.
    static func cost(_ b: UInt8) -> Double {
        switch b {
        case 0: 0
        case 255: .infinity
        case 254: -1
        default: Double(b) / 8
        }
    }

    /// An advertisement built from operands: origin, sequence, instance, lifetime, age, links
    /// and services, each small enough that origins collide and sequences race.
    static func syntheticAdvertisement(_ input: inout FuzzInput, wallMillis: Int64) -> RoutingAdvertisement {
        let origin = node(input.byte())
        let sequence = UInt64(input.byte())
        let instance = UInt64(input.byte() % 4)
        let lifetime = UInt32(input.byte()) * 50
        let age = Int64(input.byte()) - 128  // before or after our start, in seconds
        var links: [String: Double] = [:]
        for _ in 0..<Int(input.byte() % 6) {
            links[node(input.byte())] = cost(input.byte())
        }
        var services: [ServiceAdvertisement] = []
        for i in 0..<Int(input.byte() % 4) {
            services.append(ServiceAdvertisement(name: "s\(i)", connType: .datagram))
        }
        return RoutingAdvertisement(
            origin: origin,
            sequence: sequence,
            instance: instance,
            lifetimeMillis: lifetime,
            originTimeMillis: wallMillis + age * 1000,
            links: links,
            services: services
        )
    }
}
