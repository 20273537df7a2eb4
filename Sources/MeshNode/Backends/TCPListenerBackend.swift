import NIOCore

/// A `tcp-listener`: accepts links from neighbours (with TLS when configured).
enum TCPListenerBackend {
    /// - Parameter bindError: turns a bind failure into the error `start()` reports.
    static func make(
        address: HostPort,
        tls: TLSSetup?,
        handshake: LinkHandshake,
        core: MeshCore,
        bindError: @escaping @Sendable (any Error) -> any Error = { $0 }
    ) -> ConnectionListener {
        let coreBound = NIOLoopBound(core, eventLoop: core.loop)
        let description = "tcp-listener \(address)"
        return ConnectionListener(address: address, loop: core.loop, bindError: bindError) { channel in
            try LinkPipeline.configure(
                channel: channel,
                role: .listener,
                tls: tls,
                serverHostname: nil,
                handshake: handshake,
                core: coreBound.value,
                backendDescription: description
            )
        }
    }
}
