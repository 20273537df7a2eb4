import NIOCore

/// Copies bytes both ways between two duplexes, with backpressure in both directions, forwarding
/// half-closes, and closing both ends when both directions are done or either fails.
final class StreamBridge {
    private final class Side: ByteDuplexDelegate {
        unowned let bridge: StreamBridge
        let isA: Bool
        init(bridge: StreamBridge, isA: Bool) {
            self.bridge = bridge
            self.isA = isA
        }
        func duplexReceived(_ buffer: ByteBuffer) { bridge.received(buffer, fromA: isA) }
        func duplexInputClosed() { bridge.inputClosed(fromA: isA) }
        func duplexClosed(error: String?) { bridge.closed(fromA: isA, error: error) }
        func duplexWritabilityChanged(_ writable: Bool) { bridge.writabilityChanged(ofA: isA, writable) }
    }

    private let a: any ByteDuplex
    private let b: any ByteDuplex
    private var sideA: Side!
    private var sideB: Side!
    private var aDone = false
    private var bDone = false
    private var finished = false
    /// Keeps the bridge alive while it runs (the duplexes hold their delegates weakly).
    private var selfReference: StreamBridge?
    private let onFinish: (() -> Void)?

    /// Starts bridging at once.
    @discardableResult
    init(_ a: any ByteDuplex, _ b: any ByteDuplex, onFinish: (() -> Void)? = nil) {
        self.a = a
        self.b = b
        self.onFinish = onFinish
        self.sideA = Side(bridge: self, isA: true)
        self.sideB = Side(bridge: self, isA: false)
        self.selfReference = self
        a.duplexDelegate = sideA
        b.duplexDelegate = sideB
        a.setReading(b.isWritable)
        b.setReading(a.isWritable)
    }

    private func received(_ buffer: ByteBuffer, fromA: Bool) {
        let target = fromA ? b : a
        target.write(buffer)
        if !target.isWritable { (fromA ? a : b).setReading(false) }
    }

    private func writabilityChanged(ofA: Bool, _ writable: Bool) {
        (ofA ? b : a).setReading(writable)
    }

    private func inputClosed(fromA: Bool) {
        if fromA { aDone = true } else { bDone = true }
        (fromA ? b : a).closeWrite()
        if aDone && bDone { finish(error: nil) }
    }

    private func closed(fromA: Bool, error: String?) {
        finish(error: error)
    }

    private func finish(error: String?) {
        guard !finished else { return }
        finished = true
        a.close(error: error)
        b.close(error: error)
        selfReference = nil
        onFinish?()
    }
}
