import Foundation

/// The wall clock, for what a node shows or sends (advertisement times, `status`, the start of
/// its sequence numbers), never for timers (those run on the loop's monotonic clock). Injected,
/// so state that depends on the date can be tested at any date.
public struct WallClock: Sendable {
    /// The current date.
    public var now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) {
        self.now = now
    }

    /// The system clock.
    public static let system = WallClock { Date() }

    /// A clock stopped at `date` (tests).
    public static func fixed(_ date: Date) -> WallClock {
        WallClock { date }
    }

    /// Unix milliseconds now, clamped to what `Int64` holds (a clock set absurdly far out
    /// cannot trap the conversion).
    public var millisecondsSince1970: Int64 {
        let millis = (now().timeIntervalSince1970 * 1000).rounded(.down)
        guard millis.isFinite else { return 0 }
        return Int64(min(max(millis, -9.2e18), 9.2e18))
    }
}
