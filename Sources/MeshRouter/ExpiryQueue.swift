import HeapModule

/// Expiry deadlines of stored advertisements, earliest first.
///
/// A newer advertisement of an origin leaves its predecessor's entry behind (lazy deletion).
/// Stale entries are dropped as soon as they reach the top, so ``next`` is always a live
/// deadline, and the queue is rebuilt when stale entries outnumber live ones, so it stays
/// proportional to the store however fast an origin changes its sequence.
struct ExpiryQueue: Sendable {
    struct Entry: Comparable, Sendable {
        var deadline: Duration
        var origin: String
        var sequence: UInt64
        var instance: UInt64

        /// Deadline order; ties in any order (stale entries are skipped whichever comes first).
        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.deadline < rhs.deadline
        }

        static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.deadline == rhs.deadline
        }
    }

    private var heap = Heap<Entry>()

    /// Number of entries, live and stale.
    var count: Int { heap.count }

    /// The earliest live deadline, given that ``dropStaleTop(store:)`` ran after the last change.
    var next: Duration? { heap.min?.deadline }

    /// Records that `record` of `origin` expires at its `expiresAt`.
    mutating func insert(_ record: StoredAdvertisement, store: [String: StoredAdvertisement]) {
        heap.insert(Entry(record))
        if heap.count > 2 * store.count + 64 {
            heap = Heap(store.values.map(Entry.init))
        }
    }

    /// Pops and returns the origins whose live entry is due at `now`; drops stale entries met.
    mutating func popDue(now: Duration, store: [String: StoredAdvertisement]) -> [String] {
        var due: [String] = []
        while let top = heap.min, top.deadline <= now {
            heap.removeMin()
            if Self.isLive(top, store: store) {
                due.append(top.origin)
            }
        }
        return due
    }

    /// Removes stale entries from the top, so that ``next`` is a live deadline.
    mutating func dropStaleTop(store: [String: StoredAdvertisement]) {
        while let top = heap.min, !Self.isLive(top, store: store) {
            heap.removeMin()
        }
    }

    private static func isLive(_ entry: Entry, store: [String: StoredAdvertisement]) -> Bool {
        guard let record = store[entry.origin] else { return false }
        return record.expiresAt == entry.deadline
            && record.advertisement.sequence == entry.sequence
            && record.advertisement.instance == entry.instance
    }
}

extension ExpiryQueue.Entry {
    init(_ record: StoredAdvertisement) {
        self.init(
            deadline: record.expiresAt,
            origin: record.advertisement.origin,
            sequence: record.advertisement.sequence,
            instance: record.advertisement.instance
        )
    }
}
