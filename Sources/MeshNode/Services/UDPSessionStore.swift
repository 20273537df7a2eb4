import NIOCore

/// A ``UDPSessionTable`` run on an event loop: sessions idle for the table's timeout are
/// released by a timer, and sessions evicted because the table is full are released at once.
///
/// The timer is armed at the oldest session's expiry, but never sooner than 1/16 of the idle
/// timeout after it last ran, so a busy table costs a few timer runs per timeout: a session ends
/// between `idleTimeout` and `idleTimeout * 17/16` after its last datagram.
final class UDPSessionStore<Key: Hashable, Value> {
    /// Why a session was released.
    enum Release: String {
        case idle = "idle timeout"
        case evicted = "too many sessions"
        case stopped = "proxy stopped"
    }

    private var table: UDPSessionTable<Key, Value>
    private let loop: any EventLoop
    private let timer: LoopTimer
    private let release: (Key, Value, Release) -> Void

    /// Creates an empty store.
    /// - Parameters:
    ///   - loop: The loop everything runs on (the timer's too).
    ///   - idleTimeout: How long a session may go without traffic.
    ///   - capacity: The most sessions held at once.
    ///   - release: Frees what a removed session holds (not called for ``remove(_:)``).
    init(
        loop: any EventLoop,
        idleTimeout: Duration,
        capacity: Int,
        release: @escaping (Key, Value, Release) -> Void
    ) {
        self.loop = loop
        self.table = UDPSessionTable(idleTimeout: idleTimeout, capacity: capacity)
        self.timer = LoopTimer(loop: loop)
        self.release = release
    }

    /// Number of live sessions.
    var count: Int { table.count }

    /// Keys from the least to the most recently active.
    var keys: [Key] { table.keysByActivity }

    /// The session of `key`, counting as traffic now.
    func touch(_ key: Key) -> Value? {
        table.touch(key, now: loop.monotonicNow)
    }

    /// The session of `key`, not counting as traffic.
    func peek(_ key: Key) -> Value? {
        table.peek(key)
    }

    /// Adds a session for a key that has none; releases the least recently active ones if full.
    func add(_ key: Key, _ value: Value) {
        let evicted = table.insert(key, value, now: loop.monotonicNow)
        if !timer.isArmed { arm() }
        for (k, v) in evicted { release(k, v, .evicted) }
    }

    /// Forgets a session without releasing it (its owner found it dead already).
    func remove(_ key: Key) {
        table.remove(key)
    }

    /// Releases every session and stops the timer.
    func releaseAll() {
        timer.cancel()
        for (k, v) in table.removeAll() { release(k, v, .stopped) }
    }

    private func arm() {
        guard let deadline = table.nextExpiry else { return }
        let floor = table.idleTimeout / 16
        let delay = max(deadline - loop.monotonicNow, floor)
        timer.schedule(in: delay.timeAmount) { [weak self] in
            guard let self else { return }
            for (k, v) in self.table.expire(now: self.loop.monotonicNow) { self.release(k, v, .idle) }
            self.arm()
        }
    }
}
