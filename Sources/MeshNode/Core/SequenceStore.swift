import Foundation
import MeshProtocol

/// Keeps routing sequence numbers increasing across restarts, without a disk write per update.
///
/// A block of sequence numbers is reserved on disk (`<datadir>/<node>/routing-sequence`, written to a
/// temporary file, synced and renamed); a restart starts above the last reservation. The start is
/// also at least the wall clock in microseconds, so a lost data directory on a sane clock still never
/// goes backwards, and the router jumps above any newer copy of our own advertisement that the mesh
/// still remembers.
struct SequenceStore {
    private let path: String?
    private var reservedUpTo: UInt64
    static let block: UInt64 = 1 << 20

    /// Reads the last reservation and makes a new one. Returns the first sequence to use.
    /// - Parameters:
    ///   - directory: where the reservation file lives; nil keeps nothing on disk.
    ///   - now: the wall clock's date (the start is at least its microseconds).
    init(directory: String?, now: Date) {
        let micros = now.timeIntervalSince1970 * 1_000_000
        // NaN fails both comparisons; max(0, NaN) is 0 in Swift, but say it outright.
        let bounded = micros.isNaN ? 0 : min(max(0, micros), Double(RoutingAdvertisement.maximumAdoptedSequence))
        var start = UInt64(bounded)
        if let directory {
            let file = directory + "/routing-sequence"
            self.path = file
            // No file (a first run) or an unreadable one: start at the wall clock, which is above
            // any earlier run's sequences on a sane clock (and the mesh's memory corrects the rest).
            if let text = try? String(contentsOfFile: file, encoding: .utf8),
                let value = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                // A damaged file must not start us where we cannot go on (see `used`).
                start = max(start, min(value, RoutingAdvertisement.maximumAdoptedSequence))
            }
        } else {
            self.path = nil
        }
        self.reservedUpTo = start
        self.first = start
        reserve(above: start)
    }

    /// The first sequence number for this run.
    let first: UInt64

    /// Called with the sequence in use; extends the reservation when it runs low.
    ///
    /// The router never adopts a sequence above ``RoutingAdvertisement/maximumAdoptedSequence``
    /// (2^40 below what receivers accept), so the sums below cannot overflow; they saturate
    /// anyway, so no value can trap here.
    mutating func used(_ sequence: UInt64) {
        let (low, overflow) = sequence.addingReportingOverflow(Self.block / 2)
        if overflow || low >= reservedUpTo { reserve(above: sequence) }
    }

    /// Why the last reservation could not be saved, or nil (the owner logs it). An unsaved
    /// reservation costs nothing now; after a restart the wall clock and the mesh's memory of
    /// our advertisement still put the next run above this one.
    private(set) var lastFailure: String?

    private mutating func reserve(above sequence: UInt64) {
        let (next, overflow) = sequence.addingReportingOverflow(Self.block)
        reservedUpTo = overflow ? .max : next
        guard let path else { return }
        let tmp = path + ".tmp"
        let text = "\(reservedUpTo)\n"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)) else {
            lastFailure = "could not write \(tmp)"
            return
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
            defer { try? handle.close() }  // closing after a successful sync cannot lose data
            try handle.synchronize()
        } catch {
            lastFailure = "could not sync \(tmp): \(error)"
            return
        }
        guard rename(tmp, path) == 0 else {
            lastFailure = "could not rename \(tmp) to \(path): errno \(errno)"
            return
        }
        lastFailure = nil
    }
}
