import NIOCore

/// One frame of a reliable byte stream between two (node, service) endpoints, carried as the payload
/// of a ``MeshMessage`` of kind ``MeshMessage/Kind/stream``.
///
/// A stream is named by the opener's node and a 32-bit ID the opener chose; ``fromOpener`` says
/// which direction a frame travels, so both ends can open streams with the same IDs.
/// Sequence numbers are byte offsets from the start of the stream (end to end, never per hop), so
/// after a path change the sender resends from the last acknowledged offset and the receiver drops
/// what it already has.
public struct StreamFrame: Sendable, Equatable {
    public var streamID: UInt32
    /// True when the opener sent this frame.
    public var fromOpener: Bool
    public var body: Body

    public enum Body: Sendable, Equatable {
        /// Opener -> acceptor: please open; the opener can receive up to `window` bytes.
        case open(window: UInt64)
        /// Acceptor -> opener: opened; the acceptor can receive up to `window` bytes.
        case openAck(window: UInt64)
        /// Bytes starting at stream offset `offset`; `sentAt` is the sender's clock (microseconds,
        /// opaque to the receiver), echoed in acknowledgements to measure the round trip.
        case data(offset: UInt64, sentAt: UInt64, bytes: ByteBuffer)
        /// Cumulative acknowledgement: every byte below `received` arrived (FIN counts as one byte
        /// at the end); the sender may send up to offset `windowLimit`. `echo` is the `sentAt` of
        /// the data frame that last moved `received` (0 before any): the sender's round-trip
        /// sample, valid even for resent bytes (each send carries its own time).
        case ack(received: UInt64, windowLimit: UInt64, echo: UInt64)
        /// The sender will send no bytes at or after `offset` (half-close).
        case fin(offset: UInt64)
        /// The stream is aborted.
        case reset(reason: String)
    }

    public init(streamID: UInt32, fromOpener: Bool, body: Body) {
        self.streamID = streamID
        self.fromOpener = fromOpener
        self.body = body
    }

    enum BodyType: UInt8 {
        case open = 1
        case openAck = 2
        case data = 3
        case ack = 4
        case fin = 5
        case reset = 6
    }
}
