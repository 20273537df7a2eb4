import Foundation
import MeshNode
import NIOCore

extension WorkManager {
    /// `work results <id> <startpos>`: streams the unit's stdout from the offset as it grows and
    /// closes the session once the unit has ended and every byte is sent.
    func results(_ id: String, from start: Int64, exchange: ControlExchange) {
        exchange.writeLine("Streaming results for work unit \(id)")
        ResultsStreamer(source: self, id: id, offset: start, sink: exchange).start()
    }
}

/// Sends a growing file to a control session with backpressure. When it has caught up it waits
/// for the unit to write more: the command's supervisor and the remote mirror wake it on every
/// change, and a 5 ms check picks up output a local command wrote, so a line reaches the reader
/// within milliseconds.
///
/// It reads through a ``ResultsSource`` and writes to a ``ResultsSink``, so it can be driven without
/// a manager or a socket; its clock is the source's loop (`loop.now`, the virtual time of an
/// `EmbeddedEventLoop` in tests).
final class ResultsStreamer {
    /// Why a stream ended.
    enum Outcome: Equatable {
        /// The unit has ended and every byte of its output was sent; the session is closed.
        case complete
        /// The client went away first.
        case sessionClosed
        /// The unit is gone (released while streaming, or an invalid ID): nothing more will come; the
        /// session is closed.
        case unitRemoved
        /// The unit's status cannot be read (logged); the session is closed.
        case statusUnreadable(String)
    }

    private unowned let source: any ResultsSource
    private let id: String
    private var offset: Int64
    private let sink: any ResultsSink
    private var fd: Int32 = -1
    private var stopped = false
    private var selfReference: ResultsStreamer?
    private var timer: Scheduled<Void>?
    private var registered = false
    private var lastStatusCheck: NIODeadline?
    /// How the stream ended, once it has.
    private(set) var outcome: Outcome?
    /// Called once when the stream ends.
    var onEnd: ((Outcome) -> Void)?
    static let chunkSize = 256 << 10
    /// How often a caught-up reader looks for new output (a `pread`; cheap).
    static let pollInterval: TimeAmount = .milliseconds(5)
    /// How often it re-reads the status record to see whether the unit has ended.
    static let statusInterval: TimeAmount = .milliseconds(25)

    /// - Parameters:
    ///   - offset: Where to start in the output (a negative one starts at 0).
    init(source: any ResultsSource, id: String, offset: Int64, sink: any ResultsSink) {
        self.source = source
        self.id = id
        self.offset = max(0, offset)
        self.sink = sink
    }

    /// Sends what there is and keeps going until the unit has ended or the client has gone. The
    /// streamer keeps itself alive until then.
    func start() {
        selfReference = self
        sink.onWritable = { [weak self] in self?.pump() }
        sink.onClosed = { [weak self] in self?.stop(.sessionClosed) }
        pump()
    }

    private func pump() {
        guard !stopped else { return }
        timer?.cancel()
        timer = nil
        if fd < 0 {
            // The ID was checked before streaming began; an invalid one has no output to send.
            guard let path = try? source.stdoutPath(of: id) else { return stop(.unitRemoved) }
            fd = open(path, O_RDONLY | O_CLOEXEC)
        }
        while fd >= 0 && sink.isWritable {
            var buffer = ByteBufferAllocator().buffer(capacity: Self.chunkSize)
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.chunkSize) { raw in
                guard let base = raw.baseAddress else { return 0 }
                return max(0, pread(fd, base, Self.chunkSize, off_t(offset)))
            }
            guard n > 0 else { break }
            offset += Int64(n)
            sink.write(buffer)
        }
        if !sink.isWritable { return }  // resumed by onWritable
        // Caught up: done if the unit has ended (or is gone), else wait for more. The status record
        // is read at most every status interval: new output wakes us far more often than that.
        let now = source.loop.now
        if let last = lastStatusCheck, now - last < Self.statusInterval { return wait() }
        lastStatusCheck = now
        let status: WorkStatus
        do {
            status = try source.status(of: id)
        } catch let error as WorkUnitError where error.code == .unknownUnit {
            return stop(.unitRemoved)  // released while streaming: nothing more will come
        } catch {
            // The stream has no way to carry an error: say why it ends early in the log.
            source.logger.error(
                "results of work unit \(id) end at byte \(offset): its status cannot be read: \(error)",
                metadata: ["unit": "\(id)"]
            )
            return stop(.statusUnreadable("\(error)"))
        }
        if status.isTerminal {
            let size = source.stdoutSize(of: id)
            if offset >= size { return stop(.complete) }
            return pump()
        }
        wait()
    }

    private func wait() {
        if !registered {
            registered = true
            source.onNextChange(of: id) { [weak self] in
                self?.registered = false
                self?.pump()
            }
        }
        timer = source.loop.assumeIsolated().scheduleTask(in: Self.pollInterval) { [weak self] in self?.pump() }
    }

    private func stop(_ outcome: Outcome) {
        guard !stopped else { return }
        stopped = true
        self.outcome = outcome
        timer?.cancel()
        if fd >= 0 { close(fd) }
        fd = -1
        sink.onWritable = nil
        sink.onClosed = nil
        if outcome != .sessionClosed { sink.close() }
        onEnd?(outcome)
        onEnd = nil
        selfReference = nil
    }
}
