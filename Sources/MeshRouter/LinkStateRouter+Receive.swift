public import MeshProtocol

extension LinkStateRouter {
    /// An advertisement arrived from `neighbour`.
    ///
    /// Another origin's advertisement is stored and flooded to every other up neighbour if it is
    /// newer than the stored one (or none is stored): higher sequence, or equal sequence and
    /// higher instance (so two processes with one ID cannot hide each other behind equal
    /// sequences). An equal one is dropped; an older one is dropped and our newer copy goes back
    /// to `neighbour`.
    ///
    /// Our own origin's advertisement is never stored: another live instance is reported as
    /// ``RouterAction/duplicateNode(_:)``, and a memory of an earlier run with a sequence at or
    /// above ours makes us jump past it, but never past
    /// ``RoutingAdvertisement/maximumAdoptedSequence`` (a forged memory near the top of the range
    /// would otherwise leave us unable to go on). Advertisements over the caps, or with values no
    /// honest node sends (``RoutingAdvertisement/absurdity``), are neither stored nor flooded on:
    /// the only action is ``RouterAction/rejected(origin:from:reason:)``, which says why.
    ///
    /// - Parameters:
    ///   - advertisement: the received advertisement.
    ///   - neighbour: the up neighbour it came from.
    ///   - now: monotonic time (aging is measured from here, not from the sender's clock).
    ///   - wallClockMillis: wall clock, Unix milliseconds.
    /// - Returns: actions to perform.
    public mutating func receive(
        _ advertisement: RoutingAdvertisement,
        from neighbour: String,
        now: Duration,
        wallClockMillis: Int64
    ) -> [RouterAction] {
        if let reason = Self.rejection(of: advertisement, configuration: configuration) {
            return [.rejected(origin: advertisement.origin, from: neighbour, reason: reason)]
        }
        if advertisement.origin == localNode {
            return receiveOwnOrigin(advertisement, from: neighbour, now: now, wallClockMillis: wallClockMillis)
        }

        let previous = store[advertisement.origin]
        if let previous {
            let stored = previous.advertisement
            if advertisement.sequence == stored.sequence && advertisement.instance == stored.instance {
                return []
            }
            if advertisement.sequence < stored.sequence
                || (advertisement.sequence == stored.sequence && advertisement.instance < stored.instance)
            {
                // The sender is behind: help it catch up.
                guard localLinks[neighbour] != nil, let copy = previous.forwardingCopy(now: now) else { return [] }
                return [.send([copy], to: [neighbour])]
            }
        } else if store.count + 1 >= configuration.maxOrigins {
            return []  // full (our own origin takes one slot)
        }

        let record = StoredAdvertisement(advertisement, receivedAt: now)
        store[advertisement.origin] = record
        expiries.insert(record, store: store)
        expiries.dropStaleTop(store: store)

        var actions: [RouterAction] = []
        actions.reserveCapacity(2)
        var targets: [String] = []
        targets.reserveCapacity(sortedNeighbours.count)
        for target in sortedNeighbours where target != neighbour {
            targets.append(target)
        }
        if !targets.isEmpty {
            let unchanged = previous.map {
                $0.advertisement.instance == advertisement.instance && $0.advertisement.links == advertisement.links
                    && $0.advertisement.services == advertisement.services
            }
            actions.append(unchanged == true ? .refresh([advertisement], to: targets) : .send([advertisement], to: targets))
        }
        if previous?.advertisement.links != advertisement.links {
            invalidatePaths()
            actions.append(.routesChanged)
        } else if previous?.advertisement.services != advertisement.services {
            actions.append(.routesChanged)
        }
        return actions
    }

    /// Handles an advertisement that names us as origin.
    private mutating func receiveOwnOrigin(
        _ advertisement: RoutingAdvertisement,
        from neighbour: String,
        now: Duration,
        wallClockMillis: Int64
    ) -> [RouterAction] {
        let isMemory: Bool
        if advertisement.instance == instance {
            // Our own echo, or (if newer than anything we sent) a record from before a restart
            // that reused the instance number.
            isMemory = advertisement.sequence > sequence
        } else if advertisement.originTimeMillis < startTimeMillis {
            // Another instance, but made before we started: an earlier run of ours. Take over
            // by outnumbering it, even when our own first sequence was not higher.
            isMemory = advertisement.sequence >= sequence
        } else {
            // Another instance made after we started: a second live process with our ID.
            if let reported = reportedDuplicates[advertisement.instance], advertisement.sequence <= reported {
                return []
            }
            if reportedDuplicates.count >= 64 {
                reportedDuplicates.removeAll()
            }
            reportedDuplicates[advertisement.instance] = advertisement.sequence
            return [.duplicateNode(advertisement)]
        }

        if isMemory {
            guard advertisement.sequence <= RoutingAdvertisement.maximumAdoptedSequence else {
                // Not a memory of ours: no run of ours gets there. Keep our own numbering.
                return []
            }
            sequence = advertisement.sequence
            return scheduleOrigination(now: now, wallClockMillis: wallClockMillis)
        }
        // Ours is newer. Unless a new one is about to be flooded anyway, help the sender catch up.
        if advertisement.sequence < ownAdvertisement.sequence, floodDeadline == nil, localLinks[neighbour] != nil {
            return [.send([ownAdvertisement], to: [neighbour])]
        }
        return []
    }

    /// Why `advertisement` cannot be stored (absurd values, or over the caps), or nil.
    private static func rejection(
        of advertisement: RoutingAdvertisement,
        configuration: RouterConfiguration
    ) -> String? {
        if let absurdity = advertisement.absurdity { return absurdity }
        if advertisement.links.count > configuration.maxLinksPerAdvertisement {
            return "\(advertisement.links.count) links (at most \(configuration.maxLinksPerAdvertisement))"
        }
        if advertisement.services.count > configuration.maxServicesPerAdvertisement {
            return "\(advertisement.services.count) services (at most \(configuration.maxServicesPerAdvertisement))"
        }
        return nil
    }
}
