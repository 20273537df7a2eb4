import Logging

/// The runtime's reads and writes of unit status records, so that a failed write is never silent.
///
/// A status write can fail: the disk is full, the file system was remounted read-only, a unit directory lost
/// its permissions. Then the keeper
/// - logs an error naming the unit, its status file and the error;
/// - counts it in ``failures`` (the metrics endpoint shows it as `receptord_work_status_write_failures_total`);
/// - keeps the record it meant to write in memory, so `work status`, `work list` and results streaming go by
///   what really happened, with `status not saved: <error>` added to the Detail that replies show. Later
///   changes start from the kept record, not from the stale one on disk, and the first write that succeeds
///   saves it and drops it.
///
/// Confinement: like ``WorkManager``, it is used on the mesh event loop only.
final class StatusKeeper {
    let store: UnitStore
    private let logger: Logger
    /// Status writes that failed since start-up.
    private(set) var failures: UInt64 = 0
    /// Records that could not be written, by unit ID.
    private var unsaved: [String: Unsaved] = [:]
    /// Units whose status file could not be read, with the error already logged (logged again only if it changes).
    private var reportedUnreadable: [String: String] = [:]
    /// The last error listing the node directory, already logged.
    private var reportedListError: String?

    /// A record the keeper could not write, and why.
    struct Unsaved {
        var status: WorkStatus
        var error: String
    }

    init(store: UnitStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// The path of the unit's status file, for messages.
    func statusPath(_ id: String) -> String {
        store.nodeDirectory + "/" + id + "/" + UnitStore.statusFileName
    }

    /// Changes the unit's status and writes it. A failure is logged, counted and kept (see the type), then thrown.
    /// - Returns: The record written.
    @discardableResult
    func updateOrThrow(_ id: String, _ body: (inout WorkStatus) -> Void) throws -> WorkStatus {
        let kept = unsaved[id]?.status
        var attempted: WorkStatus?
        do {
            let written = try store.update(id) { status in
                if let kept { status = kept }
                body(&status)
                attempted = status
            }
            if unsaved.removeValue(forKey: id) != nil {
                logger.notice("the status of work unit \(id) is saved again", metadata: ["unit": "\(id)"])
            }
            return written
        } catch {
            failures += 1
            let path = statusPath(id)
            var intended = attempted
            if intended == nil {
                // The write failed before the change was applied (the lock or the record could not be read):
                // apply it to the best record there is.
                var base = kept
                if base == nil {
                    do {
                        base = try store.read(id)
                    } catch let readError {
                        logger.error(
                            "could not save the status of work unit \(id) to \(path): \(error); reading it failed too: \(readError)",
                            metadata: ["unit": "\(id)", "path": "\(path)"]
                        )
                        throw error
                    }
                }
                if var status = base {
                    body(&status)
                    intended = status
                }
            }
            logger.error(
                "could not save the status of work unit \(id) to \(path): \(error)",
                metadata: ["unit": "\(id)", "path": "\(path)"]
            )
            if let intended { unsaved[id] = Unsaved(status: intended, error: "\(error)") }
            throw error
        }
    }

    /// ``updateOrThrow(_:_:)`` for callers with nothing to add: a failure is logged, counted and kept, which is
    /// all there is to do about it.
    func update(_ id: String, _ body: (inout WorkStatus) -> Void) {
        do {
            try updateOrThrow(id, body)
        } catch {
            // Logged, counted and kept by updateOrThrow.
        }
    }

    /// The unit's status as this node knows it: the record on disk, or the one kept after a failed write (with
    /// `status not saved: <error>` in its Detail).
    /// - Throws: what ``UnitStore/read(_:)`` throws (`unknown work unit <id>` once the directory is gone).
    func status(_ id: String) throws -> WorkStatus {
        if let kept = unsaved[id], store.exists(id) { return Self.shown(kept) }
        return try store.read(id)
    }

    /// Every unit, as ``status(_:)`` shows it. Units whose status cannot be read are left out, and logged once.
    /// - Throws: ``WorkUnitError/Code/fileSystem`` if the node directory cannot be read (logged once as well).
    func list() throws -> [String: WorkStatus] {
        let listing: UnitStore.Listing
        do {
            listing = try store.listing()
            reportedListError = nil
        } catch {
            if reportedListError != "\(error)" {
                logger.error("could not list work units: \(error)", metadata: ["path": "\(store.nodeDirectory)"])
                reportedListError = "\(error)"
            }
            throw error
        }
        for (id, error) in listing.unreadable where reportedUnreadable[id] != error.message {
            logger.error(
                "the status of work unit \(id) cannot be read, so the unit is left out of work list: \(error)",
                metadata: ["unit": "\(id)", "path": "\(statusPath(id))"]
            )
            reportedUnreadable[id] = error.message
        }
        reportedUnreadable = reportedUnreadable.filter { listing.unreadable[$0.key] != nil }
        unsaved = unsaved.filter { listing.units[$0.key] != nil || listing.unreadable[$0.key] != nil }
        var units = listing.units
        for (id, kept) in unsaved { units[id] = Self.shown(kept) }
        return units
    }

    /// The unit is gone (released): nothing of it is kept.
    func forget(_ id: String) {
        unsaved[id] = nil
        reportedUnreadable[id] = nil
    }

    /// The kept record as replies show it.
    static func shown(_ kept: Unsaved) -> WorkStatus {
        var status = kept.status
        let note = "status not saved: \(kept.error)"
        status.detail = status.detail.isEmpty ? note : "\(status.detail) (\(note))"
        return status
    }
}
