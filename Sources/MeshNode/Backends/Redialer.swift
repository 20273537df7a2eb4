import Logging
import NIOCore

/// When a dialling backend (tcp-peer, udp-peer, ws-peer) tries again: ``RedialBackoff`` delays
/// with jitter, reset once a link comes up, and nothing at all with `redial: false`.
final class Redialer {
    private let redial: Bool
    private var backoff = RedialBackoff()
    private let timer: LoopTimer
    private let logger: Logger

    init(loop: any EventLoop, redial: Bool, logger: Logger) {
        self.redial = redial
        self.timer = LoopTimer(loop: loop)
        self.logger = logger
    }

    /// A link came up: the next failure starts the backoff from the beginning.
    func linkEstablished() {
        backoff.reset()
    }

    /// Schedules `dial` after the next backoff delay (unless redial is off).
    func schedule(after reason: String, _ dial: @escaping () -> Void) {
        guard redial else {
            logger.warning("not redialling (redial: false)", metadata: ["reason": "\(reason)"])
            return
        }
        let delay = backoff.nextDelay(random: Double.random(in: 0..<1))
        let level: Logger.Level = backoff.attemptCount <= 1 ? .info : .debug
        logger.log(level: level, "redialling", metadata: ["in-ms": "\(delay.milliseconds)", "reason": "\(reason)"])
        timer.schedule(in: delay.timeAmount, dial)
    }

    func cancel() {
        timer.cancel()
    }
}
