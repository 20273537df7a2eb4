import DequeModule
import NIOCore

/// The receiving half of a byte stream as a pure value: bytes, then end-of-input, then the close,
/// handed out only while the reader reads.
///
/// This is the data contract of a mesh stream's receiving end (``StreamStateMachine`` keeps one;
/// MeshNode's `MeshStreamChannel` drains it on `read()`), modelled on swift-nio-ssh's child-channel
/// state machine:
/// - every byte appended comes out exactly once, in order, and only while `reading` is true;
/// - input-closed comes after the last byte, at most once;
/// - the close comes last, at most once, and only when nothing is held: a transport that goes
///   away while bytes wait for a paused reader keeps them until the reader takes them. Closed
///   implies input-closed (a reader never sees input-closed after the close);
/// - only the reader itself (``discard()``) can drop bytes.
///
/// No I/O and no clock: callers feed events and drain ``next(reading:)``.
public struct InboundQueue: Sendable {
    /// What the reader is handed next.
    public enum Event: Sendable {
        case data(ByteBuffer)
        case inputClosed
        case closed
    }

    private var buffers = Deque<ByteBuffer>()
    /// Bytes held for the reader.
    public private(set) var heldBytes = 0
    private var endReceived = false
    private var transportGone = false
    private var inputClosedDelivered = false
    private var closedDelivered = false
    private var discarded = false

    public init() {}

    /// Nothing is held (bytes may still arrive).
    public var isEmpty: Bool { buffers.isEmpty }

    /// True once the close has been handed out or the reader discarded the queue.
    public var isFinished: Bool { closedDelivered || discarded }

    /// True once end-of-input has been handed out (or implied by the close).
    public var hasDeliveredInputClosed: Bool { inputClosedDelivered }

    /// Bytes arrived. Ignored after the end of input or a discard (the sender broke the protocol,
    /// or the reader no longer wants them).
    public mutating func append(_ buffer: ByteBuffer) {
        guard !endReceived, !discarded, buffer.readableBytes > 0 else { return }
        heldBytes += buffer.readableBytes
        buffers.append(buffer)
    }

    /// The sender will send nothing more (half-close).
    public mutating func receiveEnd() {
        endReceived = true
    }

    /// The transport is gone: nothing more arrives, and the close follows what is held.
    public mutating func receiveTransportGone() {
        endReceived = true
        transportGone = true
    }

    /// The reader closed: everything held is dropped and no event follows.
    public mutating func discard() {
        discarded = true
        buffers.removeAll()
        heldBytes = 0
    }

    /// The next event for a reader that is (or is not) reading, or nil when there is none now.
    public mutating func next(reading: Bool) -> Event? {
        guard !discarded, !closedDelivered else { return nil }
        if !buffers.isEmpty {
            guard reading, let buffer = buffers.popFirst() else { return nil }
            heldBytes -= buffer.readableBytes
            return .data(buffer)
        }
        if endReceived, !inputClosedDelivered, reading {
            inputClosedDelivered = true
            return .inputClosed
        }
        if transportGone {
            // Nothing held: the close cannot lose a byte, so it is not held back by a pause.
            closedDelivered = true
            inputClosedDelivered = true
            return .closed
        }
        return nil
    }
}
