extension LinkStateRouter {
    /// Runs due timers: drops advertisements whose lifetime ran out, floods a coalesced own
    /// advertisement, and re-originates ours every refresh interval (while any link is up).
    /// Call it at ``nextTimerDeadline()``; calling it early or late is harmless.
    ///
    /// - Parameters:
    ///   - now: monotonic time.
    ///   - wallClockMillis: wall clock, Unix milliseconds.
    /// - Returns: actions to perform.
    public mutating func tick(now: Duration, wallClockMillis: Int64) -> [RouterAction] {
        var actions: [RouterAction] = []

        let expired = expiries.popDue(now: now, store: store)
        if !expired.isEmpty {
            for origin in expired {
                store.removeValue(forKey: origin)
            }
            expiries.dropStaleTop(store: store)
            invalidatePaths()
            actions.append(.routesChanged)
        }

        if let floodDeadline, floodDeadline <= now {
            actions += originate(now: now, wallClockMillis: wallClockMillis)
        } else if let refreshDeadline, refreshDeadline <= now {
            if localLinks.isEmpty {
                // Nobody to tell; the next link's change re-originates and re-arms the timer.
                self.refreshDeadline = nil
            } else {
                actions += originate(now: now, wallClockMillis: wallClockMillis)
            }
        }
        return actions
    }
}
