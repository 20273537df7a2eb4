import NIOCore
import NIOSSL

extension ChannelHandlerContext {
    /// Closes (`mode`) once every write issued so far has completed: NIO fails writes still
    /// pending at a close, and turns an output shutdown into a full close once the peer has
    /// half-closed, so closing at once could cut the tail off. Write promises complete in order,
    /// so an empty write's completion marks the point.
    func closeAfterPendingWrites(mode: CloseMode = .all) {
        let promise = eventLoop.makePromise(of: Void.self)
        writeAndFlush(NIOAny(ByteBuffer()), promise: promise)
        promise.futureResult.assumeIsolated().whenComplete { _ in self.close(mode: mode, promise: nil) }
    }
}

/// How a stream's or socket's TLS ended.
public enum TLSShutdown {
    /// Whether `error` is an unclean TLS shutdown (a TCP FIN without close_notify). That is an
    /// ordinary end for us, as it is for Go's TLS stack and the Python client that sends it: the
    /// input-closed event follows, so handlers ignore the error.
    public static func isUnclean(_ error: any Error) -> Bool {
        if let tlsError = error as? NIOSSLError, case .uncleanShutdown = tlsError { return true }
        return false
    }
}
