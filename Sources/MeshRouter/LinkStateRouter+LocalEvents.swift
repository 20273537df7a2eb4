public import MeshProtocol

extension LinkStateRouter {
    /// A link to `neighbour` came up (or came up again, or changed cost).
    ///
    /// Sends the new neighbour every stored advertisement at once (full state exchange, so a
    /// newcomer learns the mesh, services included, in one trip), our current one included unless
    /// it lists no link, and schedules our next advertisement, now listing the link, for every up
    /// neighbour after the flood delay.
    /// A link to ourselves, a cost that is not finite and positive, or a link beyond
    /// ``RouterConfiguration/maxLinksPerAdvertisement`` is ignored (returns no action).
    ///
    /// - Parameters:
    ///   - neighbour: the peer's node ID.
    ///   - cost: the link cost (finite, > 0).
    ///   - now: monotonic time.
    ///   - wallClockMillis: wall clock, Unix milliseconds (stamped on our advertisement).
    /// - Returns: actions to perform.
    public mutating func linkUp(
        _ neighbour: String,
        cost: Double,
        now: Duration,
        wallClockMillis: Int64
    ) -> [RouterAction] {
        guard neighbour != localNode, cost.isFinite, cost > 0 else { return [] }
        let previousCost = localLinks[neighbour]
        if previousCost == nil {
            guard localLinks.count < configuration.maxLinksPerAdvertisement else { return [] }
            localLinks[neighbour] = cost
            sortedNeighbours = localLinks.keys.sorted()
        } else {
            localLinks[neighbour] = cost
        }

        var fullState = store.values
            .sorted { $0.advertisement.origin < $1.advertisement.origin }
            .compactMap { $0.forwardingCopy(now: now) }
        // Our current advertisement goes too if it is of any use: it lets the neighbour route
        // through us at once (it may not list the new link yet; the next one will). The initial,
        // link-less one is left out, so a node coming up floods the mesh once, not twice.
        if !ownAdvertisement.links.isEmpty {
            fullState.append(ownAdvertisement)
        }
        var actions: [RouterAction] = []
        if !fullState.isEmpty {
            actions.append(.send(fullState, to: [neighbour]))
        }
        if previousCost != cost {
            invalidatePaths()
            actions.append(.routesChanged)
            actions += scheduleOrigination(now: now, wallClockMillis: wallClockMillis)
        }
        return actions
    }

    /// The link to `neighbour` went down. Routes through it are gone at once (see
    /// ``routingTable``); our advertisement without it follows after the flood delay.
    ///
    /// - Parameters:
    ///   - neighbour: the peer's node ID.
    ///   - now: monotonic time.
    ///   - wallClockMillis: wall clock, Unix milliseconds.
    /// - Returns: actions to perform (none if the link was not up).
    public mutating func linkDown(_ neighbour: String, now: Duration, wallClockMillis: Int64) -> [RouterAction] {
        guard localLinks.removeValue(forKey: neighbour) != nil else { return [] }
        sortedNeighbours = localLinks.keys.sorted()
        invalidatePaths()
        return [.routesChanged] + scheduleOrigination(now: now, wallClockMillis: wallClockMillis)
    }

    /// Sets the services our advertisement offers. Flooded after the flood delay if they changed;
    /// ``RouterAction/routesChanged`` comes with that advertisement.
    ///
    /// - Parameters:
    ///   - services: our services (keep them within ``RouterConfiguration/maxServicesPerAdvertisement``,
    ///     or receivers ignore our advertisement).
    ///   - now: monotonic time.
    ///   - wallClockMillis: wall clock, Unix milliseconds.
    /// - Returns: actions to perform.
    public mutating func setLocalServices(
        _ services: [ServiceAdvertisement],
        now: Duration,
        wallClockMillis: Int64
    ) -> [RouterAction] {
        guard services != localServices else { return [] }
        localServices = services
        return scheduleOrigination(now: now, wallClockMillis: wallClockMillis)
    }

    // MARK: - Origination

    /// A local change happened: originate after the flood delay (or now, if the delay is zero).
    mutating func scheduleOrigination(now: Duration, wallClockMillis: Int64) -> [RouterAction] {
        if configuration.floodDelay <= .zero {
            return originate(now: now, wallClockMillis: wallClockMillis)
        }
        if floodDeadline == nil {
            floodDeadline = now + configuration.floodDelay
        }
        return []
    }

    /// Makes a new own advertisement (next sequence, live links and services) and floods it.
    mutating func originate(now: Duration, wallClockMillis: Int64) -> [RouterAction] {
        if sequence < .max {
            sequence += 1
        }
        let previous = ownAdvertisement
        ownAdvertisement = RoutingAdvertisement(
            origin: localNode,
            sequence: sequence,
            instance: instance,
            lifetimeMillis: configuration.lifetimeMillis,
            // Within what receivers accept, whatever our clock says.
            originTimeMillis: min(max(wallClockMillis, 0), RoutingAdvertisement.maximumOriginTimeMillis),
            links: localLinks,
            services: localServices
        )
        floodDeadline = nil
        refreshDeadline = now + configuration.effectiveRefreshInterval

        var actions: [RouterAction] = []
        let changed = previous.links != ownAdvertisement.links || previous.services != ownAdvertisement.services
        if !sortedNeighbours.isEmpty {
            // A new neighbour got our full state when its link came up, so unchanged content is
            // news to nobody.
            actions.append(changed ? .send([ownAdvertisement], to: sortedNeighbours) : .refresh([ownAdvertisement], to: sortedNeighbours))
        }
        if changed {
            actions.append(.routesChanged)
        }
        return actions
    }
}
