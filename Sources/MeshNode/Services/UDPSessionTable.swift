/// The sessions of a UDP proxy, keyed by peer, in order of last activity.
///
/// Receptor keeps one session per UDP sender (or mesh sender) for ever. This table forgets a
/// session after ``idleTimeout`` without traffic in either direction, and holds at most
/// ``capacity`` sessions: a new one evicts the least recently active. Both are O(1): the entries
/// form a list ordered by last activity (a touched entry moves to the newest end), so the oldest
/// entry is always the first to expire or be evicted.
///
/// Pure: the caller passes the current time (the event loop's monotonic clock), so tests can
/// drive it with any clock. The caller releases what a removed session holds.
struct UDPSessionTable<Key: Hashable, Value> {
    /// Sessions idle this long are dropped unless the caller sets another timeout.
    static var defaultIdleTimeout: Duration { .seconds(60) }
    /// At most this many sessions unless the caller sets another capacity.
    static var defaultCapacity: Int { 4096 }

    private struct Entry {
        var value: Value
        var lastActive: Duration
        var older: Key?
        var newer: Key?
    }

    /// How long a session may go without traffic.
    let idleTimeout: Duration
    /// The most sessions held at once (at least 1).
    let capacity: Int

    private var entries: [Key: Entry] = [:]
    private var oldest: Key?
    private var newest: Key?

    /// Creates an empty table.
    /// - Parameters:
    ///   - idleTimeout: How long a session may go without traffic.
    ///   - capacity: The most sessions held at once (values below 1 count as 1).
    init(idleTimeout: Duration = defaultIdleTimeout, capacity: Int = defaultCapacity) {
        self.idleTimeout = idleTimeout
        self.capacity = max(1, capacity)
    }

    /// Number of sessions.
    var count: Int { entries.count }

    /// Whether the table holds no session.
    var isEmpty: Bool { entries.isEmpty }

    /// The session of `key`, without counting as activity.
    func peek(_ key: Key) -> Value? {
        entries[key]?.value
    }

    /// The session of `key`, marked active at `now`.
    mutating func touch(_ key: Key, now: Duration) -> Value? {
        guard var entry = entries[key] else { return nil }
        entry.lastActive = now
        entries[key] = entry
        moveToNewest(key)
        return entry.value
    }

    /// Adds a session for a key that has none, active at `now`. If the table is full, the least
    /// recently active sessions are removed first and returned.
    mutating func insert(_ key: Key, _ value: Value, now: Duration) -> [(key: Key, value: Value)] {
        precondition(entries[key] == nil, "a session for this key exists already")
        var evicted: [(key: Key, value: Value)] = []
        while entries.count >= capacity, let first = oldest, let value = remove(first) {
            evicted.append((first, value))
        }
        entries[key] = Entry(value: value, lastActive: now, older: newest, newer: nil)
        if let last = newest { entries[last]?.newer = key }
        newest = key
        if oldest == nil { oldest = key }
        return evicted
    }

    /// Removes a session.
    /// - Returns: Its value, or `nil` if there was none.
    @discardableResult
    mutating func remove(_ key: Key) -> Value? {
        guard let entry = entries.removeValue(forKey: key) else { return nil }
        unlink(entry)
        return entry.value
    }

    /// Removes and returns the sessions idle for at least ``idleTimeout`` at `now`, oldest first.
    mutating func expire(now: Duration) -> [(key: Key, value: Value)] {
        var expired: [(key: Key, value: Value)] = []
        while let first = oldest, let entry = entries[first], now - entry.lastActive >= idleTimeout {
            remove(first)
            expired.append((first, entry.value))
        }
        return expired
    }

    /// When the next session expires if nothing touches it; `nil` if the table is empty.
    var nextExpiry: Duration? {
        oldest.flatMap { entries[$0] }.map { $0.lastActive + idleTimeout }
    }

    /// Removes and returns every session.
    mutating func removeAll() -> [(key: Key, value: Value)] {
        var all: [(key: Key, value: Value)] = []
        while let first = oldest, let value = remove(first) {
            all.append((first, value))
        }
        return all
    }

    /// Keys from the least to the most recently active (for tests and diagnostics).
    var keysByActivity: [Key] {
        var keys: [Key] = []
        var cursor = oldest
        while let key = cursor {
            keys.append(key)
            cursor = entries[key]?.newer
        }
        return keys
    }

    private mutating func moveToNewest(_ key: Key) {
        guard newest != key, let entry = entries[key] else { return }
        unlink(entry)
        entries[key]?.older = newest
        entries[key]?.newer = nil
        if let last = newest { entries[last]?.newer = key }
        newest = key
        if oldest == nil { oldest = key }
    }

    /// Joins the neighbours of `entry` (already removed or about to move).
    private mutating func unlink(_ entry: Entry) {
        if let older = entry.older { entries[older]?.newer = entry.newer } else { oldest = entry.newer }
        if let newer = entry.newer { entries[newer]?.older = entry.older } else { newest = entry.older }
    }
}
