import NIOConcurrencyHelpers

/// The node IDs found in a peer's verified certificate, filled in by the TLS verification callback
/// (which runs off the event loop) and read by the link handler when the peer's hello arrives.
final class PeerIdentity: Sendable {
    private let box = NIOLockedValueBox<[String]?>(nil)

    init() {}

    /// Node IDs from the certificate's otherName SANs; `[]` if the handshake gave none.
    var nodeIDs: [String] { box.withLockedValue { $0 ?? [] } }

    func record(_ ids: [String]) {
        box.withLockedValue { $0 = ids }
    }
}
