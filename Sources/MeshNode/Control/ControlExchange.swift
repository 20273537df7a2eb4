import MeshProtocol
import NIOCore

/// The arguments of a control command: the verbatim text after the command word, or the JSON
/// object's fields (without "command").
public enum ControlArguments: Sendable {
    case text(String)
    case json([String: JSONValue])
}

/// Serves `work` commands on control sessions. Implemented by the work-unit manager (WorkUnits),
/// which sits above this module; everything happens on the mesh event loop.
public protocol WorkCommandHandler: AnyObject {
    /// Handles one `work ...` command. Every path must end with ``ControlExchange/done()`` (the
    /// session reads the next line) or ``ControlExchange/close()`` (the session ends).
    func work(_ arguments: ControlArguments, exchange: ControlExchange)
}

/// One command's hold on a control session: reply lines, raw output with backpressure, the payload
/// that follows the command line, and the end of the command.
public final class ControlExchange {
    private unowned let session: ControlSession
    /// Unix-socket sessions skip work-signature checks (receptor's rule).
    public let trusted: Bool
    /// This node's ID.
    public let localNode: String
    /// Called when the session can take more output after ``isWritable`` was false.
    public var onWritable: (() -> Void)?
    /// Called if the client goes away before the command ends.
    public var onClosed: (() -> Void)?
    private var finished = false

    init(session: ControlSession, trusted: Bool, localNode: String) {
        self.session = session
        self.trusted = trusted
        self.localNode = localNode
    }

    /// Writes one JSON reply line.
    public func reply(_ value: JSONValue) { session.sendLine(value.text) }

    /// Writes `ERROR: <message>`.
    public func replyError(_ message: String) { session.sendLine("ERROR: \(message)") }

    /// Writes a text line (a newline is added).
    public func writeLine(_ text: String) { session.sendLine(text) }

    /// Writes raw bytes (results streaming).
    public func write(_ buffer: ByteBuffer) { session.write(buffer) }

    /// False while the client is slower than the output; wait for ``onWritable``.
    public var isWritable: Bool { session.isWritable }

    /// Receives what follows the command line until the client's EOF (a `work submit` payload).
    public func receivePayload(_ chunk: @escaping (ByteBuffer) -> Void, end: @escaping () -> Void) {
        session.startPayload(chunk: chunk, end: end)
    }

    /// The command is over; the session reads the next line.
    public func done() {
        guard !finished else { return }
        finished = true
        session.exchangeFinished(self, closeSession: false)
    }

    /// The command is over and the session ends (after `work results` and `work submit`).
    public func close() {
        guard !finished else { return }
        finished = true
        session.exchangeFinished(self, closeSession: true)
    }
}
