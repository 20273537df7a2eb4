import MeshStreams
import NIOCore

/// A one-shot timer on the caller's event loop, re-armable, with a non-Sendable callback.
/// All mesh state lives on one event loop, so timers never need locks.
///
/// Built on NIO's scheduled callbacks rather than `scheduleTask`: a callback needs no promise,
/// future or closure box per arming, and idle links re-arm their liveness timer on every
/// heartbeat, so this is the per-wakeup cost of an idle mesh.
final class LoopTimer {
    private let loop: any EventLoop
    private var callback: NIOScheduledCallback?
    private var body: (() -> Void)?

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// (Re)arms the timer; a pending one is cancelled.
    func schedule(in delay: TimeAmount, _ body: @escaping () -> Void) {
        arm(deadline: loop.now + delay, body)
    }

    /// (Re)arms the timer for a point on the loop's monotonic clock (see ``EventLoop/monotonicNow``).
    func schedule(at deadline: Duration, _ body: @escaping () -> Void) {
        arm(deadline: .uptimeNanoseconds(UInt64(clamping: max(deadline.nanoseconds, 0))), body)
    }

    private func arm(deadline: NIODeadline, _ body: @escaping () -> Void) {
        cancel()
        self.body = body
        // Fails only while the loop shuts down, when nothing is left to time.
        callback = try? loop.assumeIsolated().scheduleCallback(at: deadline, handler: Fire(timer: self))
    }

    var isArmed: Bool { callback != nil }

    func cancel() {
        callback?.cancel()
        callback = nil
        body = nil
    }

    fileprivate func fired() {
        let body = self.body
        callback = nil
        self.body = nil
        body?()
    }

    deinit {
        callback?.cancel()
    }

    /// The loop's handle on a timer: weak, so a pending callback never keeps its owner alive.
    private struct Fire: NIOScheduledCallbackHandler {
        weak var timer: LoopTimer?

        func handleScheduledCallback(eventLoop: some EventLoop) {
            timer?.fired()
        }
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
