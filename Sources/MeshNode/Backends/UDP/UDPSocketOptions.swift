import NIOCore
import NIOPosix

extension DatagramBootstrap {
    /// Socket settings shared by the UDP link backends: receive buffers big enough for the largest
    /// datagram and larger kernel buffers (best effort).
    ///
    /// No vector reads (`datagramVectorReadMessageCount`): NIO fills one shared buffer for those
    /// without copy-on-write, and a session keeps slices of received datagrams (payloads waiting
    /// to be written to the link), which the next read would overwrite.
    func udpLinkOptions() -> DatagramBootstrap {
        self.channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048))
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
    }
}
