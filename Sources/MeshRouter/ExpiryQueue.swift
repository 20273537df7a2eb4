/// Expiry deadlines of stored advertisements, earliest first (a binary min-heap).
///
/// A newer advertisement of an origin leaves its predecessor's entry behind (lazy deletion).
/// Stale entries are dropped as soon as they reach the top, so ``next`` is always a live
/// deadline, and the heap is rebuilt when stale entries outnumber live ones, so it stays
/// proportional to the store however fast an origin changes its sequence.
///
/// Hand-written rather than `HeapModule.Heap` because it runs once per accepted advertisement
/// and must stay cheap in unoptimised (test) builds too, where generic code is not specialised.
struct ExpiryQueue: Sendable {
    struct Entry: Sendable {
        var deadline: Duration
        var origin: String
        var sequence: UInt64
        var instance: UInt64
    }

    private var items: [Entry] = []

    /// Number of entries, live and stale.
    var count: Int { items.count }

    /// The earliest live deadline, given that ``dropStaleTop(store:)`` ran after the last change.
    var next: Duration? { items.first?.deadline }

    /// Records when `record` expires.
    mutating func insert(_ record: StoredAdvertisement, store: [String: StoredAdvertisement]) {
        if items.count >= 2 * store.count + 64 {
            rebuild(store: store)  // `record` is in `store` already
            return
        }
        items.append(Entry(record))
        siftUp(items.count - 1)
    }

    /// Pops and returns the origins whose live entry is due at `now`; drops stale entries met.
    mutating func popDue(now: Duration, store: [String: StoredAdvertisement]) -> [String] {
        var due: [String] = []
        while let top = items.first, top.deadline <= now {
            removeFirst()
            if Self.isLive(top, store: store) {
                due.append(top.origin)
            }
        }
        return due
    }

    /// Removes stale entries from the top, so that ``next`` is a live deadline.
    mutating func dropStaleTop(store: [String: StoredAdvertisement]) {
        while let top = items.first, !Self.isLive(top, store: store) {
            removeFirst()
        }
    }

    private static func isLive(_ entry: Entry, store: [String: StoredAdvertisement]) -> Bool {
        guard let record = store[entry.origin] else { return false }
        return record.expiresAt == entry.deadline
            && record.advertisement.sequence == entry.sequence
            && record.advertisement.instance == entry.instance
    }

    private mutating func rebuild(store: [String: StoredAdvertisement]) {
        items.removeAll(keepingCapacity: true)
        for record in store.values {
            items.append(Entry(record))
        }
        var index = items.count / 2
        while index > 0 {
            index -= 1
            siftDown(index)
        }
    }

    private mutating func removeFirst() {
        let last = items.removeLast()
        guard !items.isEmpty else { return }
        items[0] = last
        siftDown(0)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].deadline < items[parent].deadline else { return }
            items.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left].deadline < items[smallest].deadline { smallest = left }
            if right < items.count, items[right].deadline < items[smallest].deadline { smallest = right }
            if smallest == parent { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
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
