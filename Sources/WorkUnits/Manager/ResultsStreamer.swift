import Foundation
import MeshNode
import NIOCore

extension WorkManager {
    /// `work results <id> <startpos>`: streams the unit's stdout from the offset as it grows and
    /// closes the session once the unit has ended and every byte is sent.
    func results(_ id: String, from start: Int64, exchange: ControlExchange) {
        exchange.writeLine("Streaming results for work unit \(id)")
        ResultsStreamer(manager: self, id: id, offset: max(0, start), exchange: exchange).start()
    }
}

/// Sends a growing file to a control session with backpressure. When it has caught up it waits
/// for the unit to write more: the command's supervisor and the remote mirror wake it on every
/// change, and a 5 ms check picks up output a local command wrote, so a line reaches the reader
/// within milliseconds.
final class ResultsStreamer {
    private unowned let manager: WorkManager
    private let id: String
    private var offset: Int64
    private let exchange: ControlExchange
    private var fd: Int32 = -1
    private var stopped = false
    private var selfReference: ResultsStreamer?
    private var timer: Scheduled<Void>?
    private var registered = false
    private var lastStatusCheck = NIODeadline.uptimeNanoseconds(0)
    static let chunkSize = 256 << 10
    /// How often a caught-up reader looks for new output (a `pread`; cheap).
    static let pollInterval: TimeAmount = .milliseconds(5)
    /// How often it re-reads the status record to see whether the unit has ended.
    static let statusInterval: TimeAmount = .milliseconds(25)

    init(manager: WorkManager, id: String, offset: Int64, exchange: ControlExchange) {
        self.manager = manager
        self.id = id
        self.offset = offset
        self.exchange = exchange
    }

    func start() {
        selfReference = self
        exchange.onWritable = { [weak self] in self?.pump() }
        exchange.onClosed = { [weak self] in self?.stop(closeSession: false) }
        pump()
    }

    private func pump() {
        guard !stopped else { return }
        timer?.cancel()
        timer = nil
        if fd < 0 {
            // The ID was checked before streaming began; an invalid one has no output to send.
            guard let path = try? manager.store.stdoutPath(id) else { return stop(closeSession: true) }
            fd = open(path, O_RDONLY | O_CLOEXEC)
        }
        while fd >= 0 && exchange.isWritable {
            var buffer = ByteBufferAllocator().buffer(capacity: Self.chunkSize)
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.chunkSize) { raw in
                max(0, pread(fd, raw.baseAddress!, Self.chunkSize, off_t(offset)))
            }
            guard n > 0 else { break }
            offset += Int64(n)
            exchange.write(buffer)
        }
        if !exchange.isWritable { return }  // resumed by onWritable
        // Caught up: done if the unit has ended (or is gone), else wait for more. The status record
        // is read at most every poll interval: new output wakes us far more often than that.
        let now = NIODeadline.now()
        guard now - lastStatusCheck >= Self.statusInterval else { return wait() }
        lastStatusCheck = now
        let status: WorkStatus
        do {
            status = try manager.statuses.status(id)
        } catch let error as WorkUnitError where error.code == .unknownUnit {
            return stop(closeSession: true)  // released while streaming: nothing more will come
        } catch {
            // The stream has no way to carry an error: say why it ends early in the log.
            manager.logger.error(
                "results of work unit \(id) end at byte \(offset): its status cannot be read: \(error)",
                metadata: ["unit": "\(id)"]
            )
            return stop(closeSession: true)
        }
        if status.isTerminal {
            let size = manager.store.stdoutSize(id)
            if offset >= size { return stop(closeSession: true) }
            return pump()
        }
        wait()
    }

    private func wait() {
        if !registered {
            registered = true
            manager.waiters[id, default: []].append { [weak self] in
                self?.registered = false
                self?.pump()
            }
        }
        timer = manager.loop.assumeIsolated().scheduleTask(in: Self.pollInterval) { [weak self] in self?.pump() }
    }

    private func stop(closeSession: Bool) {
        guard !stopped else { return }
        stopped = true
        timer?.cancel()
        if fd >= 0 { close(fd) }
        fd = -1
        exchange.onWritable = nil
        exchange.onClosed = nil
        if closeSession { exchange.close() }
        selfReference = nil
    }
}
