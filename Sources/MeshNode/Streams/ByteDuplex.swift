import NIOCore

/// Receives what a ``ByteDuplex`` produces. All calls happen on the mesh event loop.
public protocol ByteDuplexDelegate: AnyObject {
    /// Bytes arrived (only while reading is enabled).
    func duplexReceived(_ buffer: ByteBuffer)
    /// The other side will send nothing more (half-close).
    func duplexInputClosed()
    /// The duplex is gone: closed normally (`error == nil`) or aborted.
    func duplexClosed(error: String?)
    /// ``ByteDuplex/isWritable`` changed.
    func duplexWritabilityChanged(_ writable: Bool)
}

/// A bidirectional, half-closable byte stream with backpressure: a local socket (``ChannelDuplex``)
/// or a mesh stream (``MeshStream``). Bridges and the control service work on either.
public protocol ByteDuplex: AnyObject {
    var duplexDelegate: (any ByteDuplexDelegate)? { get set }
    /// False while the writer should pause (buffers beyond the high-water mark).
    var isWritable: Bool { get }
    /// Queues bytes for the other side.
    func write(_ buffer: ByteBuffer)
    /// Sends end-of-stream after queued bytes (half-close).
    func closeWrite()
    /// Closes both directions; a non-nil error aborts (reset).
    func close(error: String?)
    /// Stops or resumes delivering received bytes (backpressure towards the sender).
    func setReading(_ reading: Bool)
}
