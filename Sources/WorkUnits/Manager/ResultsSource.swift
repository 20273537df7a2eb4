import Logging
import MeshNode
import NIOCore

/// What a ``ResultsStreamer`` reads: a unit's output file and size, its status, a wake-up when the
/// unit changes, and the event loop it runs on. ``WorkManager`` is the real one; tests hand the
/// streamer a fake over a temporary file on an `EmbeddedEventLoop`.
///
/// Confinement: every member is used on ``loop`` only.
protocol ResultsSource: AnyObject {
    /// The loop the stream runs on (its timers, and its clock: `loop.now`).
    var loop: any EventLoop { get }
    /// Where a stream that ends early says why.
    var logger: Logger { get }
    /// The path of the unit's `stdout` file (it may not exist yet).
    /// - Throws: `unknown work unit <id>` if the ID is invalid.
    func stdoutPath(of id: String) throws -> String
    /// The size of the unit's `stdout` file; 0 if there is none.
    func stdoutSize(of id: String) -> Int64
    /// The unit's status.
    /// - Throws: ``WorkUnitError/Code/unknownUnit`` once the unit is gone (released); other errors if its
    ///   status cannot be read.
    func status(of id: String) throws -> WorkStatus
    /// Calls `wake` once, the next time the unit changes (more output, a new state).
    func onNextChange(of id: String, _ wake: @escaping () -> Void)
}

/// Where a ``ResultsStreamer`` writes: the raw output of a control session, with backpressure.
/// MeshNode's ``ControlExchange`` is the real one.
protocol ResultsSink: AnyObject {
    /// False while the client is slower than the output; wait for ``onWritable``.
    var isWritable: Bool { get }
    /// Called when the sink can take more after ``isWritable`` was false.
    var onWritable: (() -> Void)? { get set }
    /// Called if the client goes away first.
    var onClosed: (() -> Void)? { get set }
    /// Writes raw bytes.
    func write(_ buffer: ByteBuffer)
    /// Ends the session (the stream is complete).
    func close()
}

extension ControlExchange: ResultsSink {}

extension WorkManager: ResultsSource {
    func stdoutPath(of id: String) throws -> String { try store.stdoutPath(id) }

    func stdoutSize(of id: String) -> Int64 { store.stdoutSize(id) }

    func status(of id: String) throws -> WorkStatus { try statuses.status(id) }

    func onNextChange(of id: String, _ wake: @escaping () -> Void) { waiters[id, default: []].append(wake) }
}
