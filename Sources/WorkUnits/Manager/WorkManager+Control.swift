import Foundation
import MeshNode
import MeshProtocol
import NIOCore

extension WorkManager {
    /// `work cancel`: SIGINT, then SIGKILL after the grace period; answers once the unit is Canceled.
    /// A unit that has already ended is left as it is (success).
    func cancel(_ id: String, status: WorkStatus, exchange: ControlExchange) {
        if status.workType == "remote" {
            cancelOrReleaseRemote(id, status: status, release: false, force: false, exchange: exchange)
            return
        }
        cancelUnit(id) { error in
            if let error {
                exchange.replyError("\(error)")
            } else {
                exchange.reply(.object(["cancelled": .string(id)]))
            }
            exchange.done()
        }
    }

    /// Cancels a local unit; `done(nil)` once it is Canceled (or had already ended), `done(error)` if its
    /// status cannot be read.
    func cancelUnit(_ id: String, then done: @escaping ((any Error)?) -> Void) {
        let status: WorkStatus
        do {
            status = try statuses.status(id)
        } catch {
            done(error)
            return
        }
        guard !status.isTerminal else {
            done(nil)
            return
        }
        if var waiting = cancelling[id] {
            waiting.append { done(nil) }
            cancelling[id] = waiting
            return
        }
        cancelling[id] = [{ done(nil) }]
        guard let supervisor = supervisors[id] else {
            // Not started (still receiving its payload): it never will be.
            if status.detail == "Waiting for Input Data" || status.workState == .pending {
                finish(id, exit: nil)
            }
            return
        }
        supervisor.signal(SIGINT)
        loop.assumeIsolated().scheduleTask(in: cancelGrace) { [weak self] in
            guard let self, self.cancelling[id] != nil, let s = self.supervisors[id] else { return }
            s.signal(SIGKILL)
        }
    }

    /// Deletes a unit's directory without blocking the event loop: receptor's three tries one
    /// second apart become retries scheduled on the loop (force-release tries once). A retry takes up
    /// the deletion where the last try left it (``UnitStore/remove(_:)``).
    func removeUnit(_ id: String, force: Bool = false, attempt: Int = 1, completion: (((any Error)?) -> Void)? = nil) {
        do {
            try store.remove(id)
            statuses.forget(id)
            completion?(nil)
        } catch {
            guard !force, attempt < 3 else {
                completion?(error)
                return
            }
            loop.assumeIsolated().scheduleTask(in: .seconds(1)) { [weak self] in
                self?.removeUnit(id, force: force, attempt: attempt + 1, completion: completion)
            }
        }
    }

    /// `work release` / `work force-release`: cancel if needed, then delete the unit.
    func release(_ id: String, status: WorkStatus, force: Bool, exchange: ControlExchange) {
        if status.workType == "remote" {
            cancelOrReleaseRemote(id, status: status, release: true, force: force, exchange: exchange)
            return
        }
        cancelUnit(id) { [weak self] error in
            guard let self else { return }
            if let error {
                if !force {
                    exchange.replyError("\(error)")
                    exchange.done()
                    return
                }
                self.logger.warning("force-release of unit \(id) could not cancel it first: \(error)")
            }
            self.removeUnit(id, force: force) { error in
                if let error {
                    if !force {
                        exchange.replyError("\(error)")
                        exchange.done()
                        return
                    }
                    self.logger.warning("force-release could not remove unit \(id): \(error)")
                }
                self.wake(id)
                exchange.reply(.object(["released": .string(id)]))
                exchange.done()
            }
        }
    }
}
