import MeshStreams
import NIOCore

/// A one-shot timer on the caller's event loop, re-armable, with a non-Sendable callback.
/// All mesh state lives on one event loop, so timers never need locks.
final class LoopTimer {
    private let loop: any EventLoop
    private var task: Scheduled<Void>?

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// (Re)arms the timer; a pending one is cancelled.
    func schedule(in delay: TimeAmount, _ body: @escaping () -> Void) {
        task?.cancel()
        task = loop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            self?.task = nil
            body()
        }
    }

    /// (Re)arms the timer for a point on the loop's monotonic clock (see ``EventLoop/monotonicNow``).
    func schedule(at deadline: Duration, _ body: @escaping () -> Void) {
        task?.cancel()
        let nanos = UInt64(clamping: max(deadline.nanoseconds, 0))
        task = loop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(nanos)) { [weak self] in
            self?.task = nil
            body()
        }
    }

    var isArmed: Bool { task != nil }

    func cancel() {
        task?.cancel()
        task = nil
    }

    deinit {
        task?.cancel()
    }
}

extension EventLoop {
    /// Monotonic "now" of this loop as a `Duration` (an `EmbeddedEventLoop` gives its virtual time).
    var monotonicNow: Duration {
        .nanoseconds(Int64(self.now.uptimeNanoseconds))
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 {
        let (s, attos) = self.components
        return s * 1000 + attos / 1_000_000_000_000_000
    }

    /// Whole nanoseconds.
    var nanoseconds: Int64 {
        let (s, attos) = self.components
        return s * 1_000_000_000 + attos / 1_000_000_000
    }
}

import Foundation

extension EventLoop {
    /// Wall-clock time (for display only; never for timers).
    var wallClockNow: Date { Date() }
}
