import NIOCore

/// A source of links: a listener that accepts them or a dialer that keeps one up.
///
/// The daemon owns its backends as a list of these, so each kind (TCP, UDP, WebSocket) lives in
/// its own files and reload tears all of them down the same way.
protocol LinkBackend: AnyObject {
    /// Starts listening or dialling. The future fails if a listener cannot bind; dialers succeed at
    /// once and keep retrying in the background.
    func start() -> EventLoopFuture<Void>
    /// Stops accepting or dialling and closes the links this backend opened.
    func stop()
    /// The bound port of a listener (useful when configured as 0), nil for dialers.
    var boundPort: Int? { get }
}
