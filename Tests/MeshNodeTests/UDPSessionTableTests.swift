import MeshTestSupport
import Testing

@testable import MeshNode

/// The UDP proxies' session table, driven by a hand-made clock: idle expiry, touch order,
/// capacity eviction and removal.
@Suite struct UDPSessionTableTests {
    private func seconds(_ s: Double) -> Duration { .milliseconds(Int64(s * 1000)) }

    @Test func defaultsAreSixtySecondsAndFourThousandSessions() {
        let table = UDPSessionTable<String, Int>()
        #expect(table.idleTimeout == .seconds(60))
        #expect(table.capacity == 4096)
        #expect(table.isEmpty)
        #expect(table.nextExpiry == nil)
    }

    @Test func idleSessionsExpireAndActiveOnesStay() {
        var table = UDPSessionTable<String, Int>(idleTimeout: .seconds(60), capacity: 10)
        #expect(table.insert("a", 1, now: seconds(0)).isEmpty)
        #expect(table.insert("b", 2, now: seconds(10)).isEmpty)
        #expect(table.nextExpiry == seconds(60))

        // Traffic on "a" at t=50 moves it behind "b".
        #expect(table.touch("a", now: seconds(50)) == 1)
        #expect(table.keysByActivity == ["b", "a"])
        #expect(table.nextExpiry == seconds(70))

        #expect(table.expire(now: seconds(69.9)).isEmpty)
        let first = table.expire(now: seconds(70))
        #expect(first.map(\.key) == ["b"])
        #expect(first.map(\.value) == [2])
        #expect(table.peek("b") == nil)
        #expect(table.touch("b", now: seconds(71)) == nil)
        #expect(table.count == 1)
        #expect(table.nextExpiry == seconds(110))

        // peek is not traffic.
        #expect(table.peek("a") == 1)
        #expect(table.expire(now: seconds(110)).map(\.key) == ["a"])
        #expect(table.isEmpty)
        #expect(table.nextExpiry == nil)
    }

    @Test func expiryRemovesEveryIdleSessionOldestFirst() {
        var table = UDPSessionTable<Int, String>(idleTimeout: .seconds(5), capacity: 100)
        for i in 0..<10 {
            _ = table.insert(i, "s\(i)", now: seconds(Double(i)))
        }
        _ = table.touch(3, now: seconds(9))
        let expired = table.expire(now: seconds(12))
        #expect(expired.map(\.key) == [0, 1, 2, 4, 5, 6, 7])
        #expect(table.keysByActivity == [8, 9, 3])
    }

    @Test func aFullTableEvictsTheLeastRecentlyActive() {
        var table = UDPSessionTable<String, Int>(idleTimeout: .seconds(60), capacity: 3)
        _ = table.insert("a", 1, now: seconds(0))
        _ = table.insert("b", 2, now: seconds(1))
        _ = table.insert("c", 3, now: seconds(2))
        _ = table.touch("a", now: seconds(3))
        let evicted = table.insert("d", 4, now: seconds(4))
        #expect(evicted.map(\.key) == ["b"])
        #expect(evicted.map(\.value) == [2])
        #expect(table.count == 3)
        #expect(table.keysByActivity == ["c", "a", "d"])
        #expect(table.insert("e", 5, now: seconds(5)).map(\.key) == ["c"])
        #expect(table.keysByActivity == ["a", "d", "e"])
    }

    @Test func capacityIsAtLeastOne() {
        var table = UDPSessionTable<String, Int>(idleTimeout: .seconds(1), capacity: 0)
        #expect(table.capacity == 1)
        _ = table.insert("a", 1, now: .zero)
        #expect(table.insert("b", 2, now: .zero).map(\.key) == ["a"])
        #expect(table.keysByActivity == ["b"])
    }

    @Test func removeAndRemoveAllKeepTheOrderConsistent() {
        var table = UDPSessionTable<String, Int>(idleTimeout: .seconds(60), capacity: 10)
        for (i, key) in ["a", "b", "c", "d"].enumerated() {
            _ = table.insert(key, i, now: seconds(Double(i)))
        }
        #expect(table.remove("b") == 1)
        #expect(table.remove("b") == nil)
        #expect(table.keysByActivity == ["a", "c", "d"])
        #expect(table.remove("a") == 0)
        #expect(table.nextExpiry == seconds(62))
        #expect(table.remove("d") == 3)
        #expect(table.keysByActivity == ["c"])
        _ = table.insert("e", 4, now: seconds(10))
        _ = table.touch("c", now: seconds(11))
        #expect(table.keysByActivity == ["e", "c"])
        let all = table.removeAll()
        #expect(all.map(\.key) == ["e", "c"])
        #expect(table.isEmpty)
        #expect(table.keysByActivity.isEmpty)
        #expect(table.nextExpiry == nil)
    }

    /// Random operations against a plain dictionary model: same contents, same order.
    @Test func agreesWithASimpleModel() {
        var rng = SplitMix64(seed: 7)
        var table = UDPSessionTable<Int, Int>(idleTimeout: .seconds(10), capacity: 8)
        var model: [Int: (value: Int, last: Duration)] = [:]
        var now = Duration.zero
        for step in 0..<5000 {
            now += .milliseconds(Int64(rng.next() % 700))
            let key = Int(rng.next() % 12)
            switch rng.next() % 4 {
            case 0, 1:
                if table.touch(key, now: now) != nil {
                    model[key]?.last = now
                } else {
                    let evicted = table.insert(key, step, now: now)
                    for e in evicted {
                        #expect(model[e.key]?.last == model.values.map(\.last).min())
                        model[e.key] = nil
                    }
                    model[key] = (step, now)
                }
            case 2:
                #expect(table.remove(key) == model.removeValue(forKey: key)?.value)
            default:
                let expired = Set(table.expire(now: now).map(\.key))
                let due = Set(model.filter { now - $0.value.last >= .seconds(10) }.keys)
                #expect(expired == due)
                for k in due { model[k] = nil }
            }
            #expect(table.count == model.count)
            #expect(table.count <= 8)
            let order = model.sorted { ($0.value.last, $0.key) < ($1.value.last, $1.key) }.map(\.key)
            #expect(Set(table.keysByActivity) == Set(order))
            #expect(table.nextExpiry == model.values.map(\.last).min().map { $0 + .seconds(10) })
        }
    }
}
