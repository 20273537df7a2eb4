import NIOCore

/// Tunables of the stream layer.
public struct StreamConfiguration: Sendable {
    /// Receive window per stream (bytes in flight, end to end).
    public var window: UInt64 = 8 << 20
    /// Largest data frame.
    public var frameSize: Int = 128 << 10
    /// First retransmission timeout; doubles (to 4 s) while nothing is acknowledged.
    public var initialRetransmitTimeout: TimeAmount = .milliseconds(400)
    /// A stream with unacknowledged data and no progress for this long is reset.
    public var streamTimeout: Duration = .seconds(30)
    /// How long a stream waits for a new route after losing its path before it is reset.
    public var noRouteGrace: Duration = .seconds(3)
    /// How long a stream closed on our side waits for the peer to finish its side before reset.
    public var lingerTimeout: Duration = .seconds(60)
    /// Most streams one remote node may have opened to us at once; further opens are reset
    /// ("too many streams"), so a burst of opens cannot exhaust memory or local sockets.
    public var maximumAcceptedPerNode: Int = 1024
    /// Most streams of all kinds on this node at once.
    public var maximumStreams: Int = 16384

    public init() {}
}

extension Duration {
    /// The same span as a NIO `TimeAmount` (MeshNode's timers use this one too).
    public var timeAmount: TimeAmount {
        let (s, attos) = self.components
        return .nanoseconds(s &* 1_000_000_000 &+ attos / 1_000_000_000)
    }
}
