import Foundation
import MeshProtocol
import NIOEmbedded
import Testing

@testable import MeshNode

/// The on-disk sequence reservation: a damaged file or a forged memory cannot start us, or move
/// us, to where the next reservation would overflow.
@Suite("Sequence store")
struct SequenceStoreTests {
    private func directory() throws -> String {
        let path = NSTemporaryDirectory() + "seqstore-\(UInt64.random(in: 1...UInt64.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("Restarts start above the last reservation")
    func increasing() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The same clock reading both times: only the reservation on disk moves the start.
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let first = SequenceStore(directory: dir, now: now).first
        let second = SequenceStore(directory: dir, now: now).first
        #expect(first == 1_700_000_000_000_000)
        #expect(second > first)
    }

    @Test("Without a reservation the start is the wall clock in microseconds, clamped at both ends")
    func clockStart() {
        #expect(SequenceStore(directory: nil, now: Date(timeIntervalSince1970: 1_234.5)).first == 1_234_500_000)
        #expect(SequenceStore(directory: nil, now: Date(timeIntervalSince1970: -5)).first == 0)
        #expect(SequenceStore(directory: nil, now: Date(timeIntervalSince1970: 1e300)).first == RoutingAdvertisement.maximumAdoptedSequence)
        #expect(SequenceStore(directory: nil, now: Date(timeIntervalSince1970: .nan)).first == 0)
    }

    @Test("The core's own advertisement carries its injected wall clock")
    func coreUsesItsClock() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let loop = EmbeddedEventLoop()
        let date = Date(timeIntervalSince1970: 2_000_000_000.25)
        let core = MeshCore(
            settings: MeshSettings(nodeID: "A", dataDirectory: dir, version: "test"), loop: loop,
            logger: quietLogger, wallClock: .fixed(date)
        )
        let own = core.advertisements.first { $0.origin == "A" }
        #expect(own?.originTimeMillis == 2_000_000_000_250)
        #expect(own?.sequence == 2_000_000_000_250_000)
        #expect(core.wallClock.millisecondsSince1970 == 2_000_000_000_250)
    }

    @Test("A file holding 2^64-1 starts us at the adoption ceiling, and using it does not trap")
    func damagedFile() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "\(UInt64.max)\n".write(toFile: dir + "/routing-sequence", atomically: true, encoding: .utf8)
        var store = SequenceStore(directory: dir, now: Date())
        #expect(store.first == RoutingAdvertisement.maximumAdoptedSequence)
        store.used(store.first + 1)
        store.used(UInt64.max)
        store.used(UInt64.max - 1)
    }
}
