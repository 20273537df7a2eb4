import Logging
import NIOCore

/// Opens a stream to (node, service), optionally wrapped in TLS above the mesh.
enum MeshDialer {
    /// Dials and calls back once with the duplex or the error.
    static func dial(
        core: MeshCore,
        node: String,
        service: String,
        tls: TLSSetup?,
        logger: Logger,
        completion: @escaping (Result<any ByteDuplex, any Error>) -> Void
    ) {
        do {
            core.streams.open(node: node, service: service).assumeIsolated().whenComplete { result in
                switch result {
                case .failure(let error):
                    completion(.failure(error))
                case .success(let stream):
                    guard let tls else {
                        completion(.success(stream))
                        return
                    }
                    StreamTLS.wrap(stream, role: .client(expectedNode: node), tls: tls, loop: core.loop, logger: logger)
                        .assumeIsolated().whenComplete { wrapped in
                            completion(wrapped.map { $0 as any ByteDuplex })
                        }
                }
            }
        }
    }

    /// Accept side: wraps an accepted stream in TLS when the service has a tls-server.
    static func accept(
        _ stream: MeshStream,
        tls: TLSSetup?,
        core: MeshCore,
        logger: Logger,
        completion: @escaping (any ByteDuplex) -> Void
    ) {
        guard let tls else {
            completion(stream)
            return
        }
        StreamTLS.wrap(stream, role: .server(connectingNode: stream.key.remoteNode), tls: tls, loop: core.loop, logger: logger)
            .assumeIsolated().whenComplete { result in
                if case .success(let duplex) = result { completion(duplex) }
            }
    }
}
