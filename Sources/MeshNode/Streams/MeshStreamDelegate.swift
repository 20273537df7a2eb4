import NIOCore

/// Receives what a ``MeshStream`` produces: ``MeshStreamChannel`` (what users see), and in
/// tests, collectors that watch the protocol engine directly. All calls happen on the mesh event
/// loop.
protocol MeshStreamDelegate: AnyObject {
    /// Bytes arrived (only while reading is enabled).
    func streamReceived(_ buffer: ByteBuffer)
    /// One turn of deliveries is over (the stream may have more once reading resumes).
    func streamReadBatchEnded()
    /// The other side will send nothing more (half-close); follows its last byte.
    func streamInputClosed()
    /// The stream is gone: finished (`error == nil`) or aborted. Nothing follows.
    func streamClosed(error: String?)
    /// ``MeshStream/isWritable`` changed.
    func streamWritabilityChanged(_ writable: Bool)
}

extension MeshStreamDelegate {
    func streamReadBatchEnded() {}
}
