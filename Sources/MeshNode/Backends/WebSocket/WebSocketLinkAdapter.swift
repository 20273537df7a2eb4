import MeshProtocol
import NIOCore
import NIOWebSocket

/// Carries a link's byte stream over WebSocket: the payload of inbound binary (and continuation)
/// frames goes on as plain `ByteBuffer`s to the link frame decoder, and every `ByteBuffer` the
/// link handler writes leaves as binary frames.
///
/// The WebSocket messages are only a transport: a link frame may span messages and a message may
/// hold several link frames, exactly as on TCP. Sits between NIOWebSocket's frame codec and
/// `ByteToMessageHandler(LinkFrameDecoder)`.
///
/// - Frame size: outbound buffers larger than ``maximumFrameSize`` are split into several frames,
///   and the upgraders accept inbound frames up to that size, which is above
///   `LinkFrame.maximumLength`, so a link frame written in one piece also travels in one
///   WebSocket frame.
/// - Masking (RFC 6455 §5.3): the client masks every frame with a fresh random key; the server
///   never masks. A frame masked the wrong way is a protocol error.
/// - Control frames: a ping is answered with a pong carrying its data; a close is answered with a
///   close (same status code) and the connection is closed; pongs are ignored.
/// - A text frame, a stray continuation, reserved bits, an unknown opcode or a frame NIO's decoder
///   refuses (too long, fragmented control frame) close the link with status 1003, 1002 or 1009
///   and report a ``WebSocketLinkError`` down the pipeline, where the link handler logs it. Only
///   this connection is affected.
final class WebSocketLinkAdapter: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    /// Which end of the WebSocket connection this is.
    enum Side: Sendable {
        /// Sent the upgrade request; masks its frames.
        case client
        /// Accepted the upgrade; does not mask.
        case server
    }

    /// Largest frame payload accepted from the peer, and largest one sent.
    static let maximumFrameSize = LinkFrame.maximumLength + 4096

    let side: Side
    private let maximumOutboundFrameSize: Int
    /// A fragmented binary message is in progress (its continuation frames are expected).
    private var inMessage = false
    /// We sent a close frame: nothing more goes out, and what comes in is ignored.
    private(set) var closeSent = false

    /// - Parameter maximumOutboundFrameSize: split point for outbound buffers (tests use small ones).
    init(side: Side, maximumOutboundFrameSize: Int = WebSocketLinkAdapter.maximumFrameSize) {
        precondition(maximumOutboundFrameSize > 0)
        self.side = side
        self.maximumOutboundFrameSize = maximumOutboundFrameSize
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closeSent else { return }
        let frame = unwrapInboundIn(data)
        guard frame.reservedBits.isEmpty else {
            return violation(context, .protocolError, "reserved bits set without an extension")
        }
        switch (side, frame.maskKey) {
        case (.server, nil):
            return violation(context, .protocolError, "unmasked frame from a client")
        case (.client, .some):
            return violation(context, .protocolError, "masked frame from a server")
        default:
            break
        }
        switch frame.opcode {
        case .binary:
            guard !inMessage else {
                return violation(context, .protocolError, "new message inside a fragmented one")
            }
            inMessage = !frame.fin
            deliver(frame.unmaskedData, context: context)
        case .continuation:
            guard inMessage else {
                return violation(context, .protocolError, "continuation frame without a message")
            }
            inMessage = !frame.fin
            deliver(frame.unmaskedData, context: context)
        case .text:
            violation(context, .unacceptableData, "text frame on a mesh link (only binary frames are accepted)")
        case .ping:
            send(opcode: .pong, data: frame.unmaskedData, context: context)
            context.flush()
        case .pong:
            break
        case .connectionClose:
            var payload = frame.unmaskedData
            let code = payload.readWebSocketErrorCode() ?? .normalClosure
            sendClose(code: code, context: context)
            context.close(promise: nil)
        default:
            violation(context, .protocolError, "unknown opcode \(frame.opcode)")
        }
    }

    /// Errors of NIO's frame decoder (oversized or malformed frames) close the link like any
    /// other violation; the upgraders are built without NIO's automatic error handling so that
    /// the reason reaches the link handler's log before the connection goes.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let wsError = error as? NIOWebSocketError, !closeSent else {
            context.fireErrorCaught(error)
            return
        }
        switch wsError {
        case .invalidFrameLength:
            violation(context, .messageTooLarge, "frame longer than \(Self.maximumFrameSize) bytes")
        case .fragmentedControlFrame:
            violation(context, .protocolError, "fragmented control frame")
        case .multiByteControlFrameLength:
            violation(context, .protocolError, "control frame longer than 125 bytes")
        }
    }

    private func deliver(_ data: ByteBuffer, context: ChannelHandlerContext) {
        guard data.readableBytes > 0 else { return }
        context.fireChannelRead(wrapInboundOut(data))
    }

    /// Closes the connection with a status code and tells the link handler why.
    private func violation(_ context: ChannelHandlerContext, _ code: WebSocketErrorCode, _ reason: String) {
        sendClose(code: code, context: context)
        context.fireErrorCaught(WebSocketLinkError(reason: reason))
        context.close(promise: nil)
    }

    // MARK: outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !closeSent else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        var buffer = unwrapOutboundIn(data)
        while buffer.readableBytes > maximumOutboundFrameSize, let piece = buffer.readSlice(length: maximumOutboundFrameSize) {
            send(opcode: .binary, data: piece, context: context)
        }
        send(opcode: .binary, data: buffer, context: context, promise: promise)
    }

    /// A close from our side (link failure, shutdown) says goodbye at the WebSocket level first.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all, context.channel.isActive {
            sendClose(code: .normalClosure, context: context)
        }
        context.close(mode: mode, promise: promise)
    }

    private func send(
        opcode: WebSocketOpcode,
        data: ByteBuffer,
        context: ChannelHandlerContext,
        promise: EventLoopPromise<Void>? = nil
    ) {
        let frame = WebSocketFrame(
            fin: true,
            opcode: opcode,
            maskKey: side == .client ? .random() : nil,
            data: data
        )
        context.write(wrapOutboundOut(frame), promise: promise)
    }

    private func sendClose(code: WebSocketErrorCode, context: ChannelHandlerContext) {
        guard !closeSent else { return }
        closeSent = true
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        send(opcode: .connectionClose, data: data, context: context)
        context.flush()
    }
}

/// Why a WebSocket link was closed by our side: the peer broke RFC 6455 or sent a text frame.
struct WebSocketLinkError: Error, CustomStringConvertible {
    var reason: String
    var description: String { "websocket: \(reason)" }
}
