import Foundation
import MeshProtocol
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
        let first = SequenceStore(directory: dir).first
        let second = SequenceStore(directory: dir).first
        #expect(second > first)
    }

    @Test("A file holding 2^64-1 starts us at the adoption ceiling, and using it does not trap")
    func damagedFile() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "\(UInt64.max)\n".write(toFile: dir + "/routing-sequence", atomically: true, encoding: .utf8)
        var store = SequenceStore(directory: dir)
        #expect(store.first == RoutingAdvertisement.maximumAdoptedSequence)
        store.used(store.first + 1)
        store.used(UInt64.max)
        store.used(UInt64.max - 1)
    }
}
