import Foundation

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
    init(directory: String?) {
        var start = UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000))
        if let directory {
            let file = directory + "/routing-sequence"
            self.path = file
            if let text = try? String(contentsOfFile: file, encoding: .utf8),
                let value = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                start = max(start, value)
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
    mutating func used(_ sequence: UInt64) {
        if sequence + Self.block / 2 >= reservedUpTo { reserve(above: sequence) }
    }

    private mutating func reserve(above sequence: UInt64) {
        reservedUpTo = sequence + Self.block
        guard let path else { return }
        let tmp = path + ".tmp"
        let text = "\(reservedUpTo)\n"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)) else { return }
        if let handle = FileHandle(forWritingAtPath: tmp) {
            try? handle.synchronize()
            try? handle.close()
        }
        _ = rename(tmp, path)
    }
}
