public import MeshProtocol

/// What the runtime must do after feeding an event to a ``LinkStateRouter``.
public enum RouterAction: Sendable, Equatable {
    /// Send these advertisements, in order, to each of these neighbours (node IDs of up links).
    case send([RoutingAdvertisement], to: [String])
    /// As ``send(_:to:)``, for advertisements that change nothing a receiver acts on (the same
    /// instance, links and services as the record they replace: a refresh, ours or one flooded
    /// on). The runtime may hold them until it next writes to that neighbour anyway (at most a
    /// heartbeat interval on a quiet link), so refresh floods ride along with heartbeats instead
    /// of waking every node of the mesh on their own. Lifetimes are minutes; the wait is not.
    case refresh([RoutingAdvertisement], to: [String])
    /// The routing table, the known connection costs, or some stored advertisement's links or
    /// services may have changed: re-read what you cache. Never missed, occasionally spurious.
    case routesChanged
    /// Another live process advertises our node ID with a different instance number. The
    /// advertisement was neither stored nor flooded, and we do not re-originate (no sequence
    /// war). Reported again only for a higher sequence of that instance.
    case duplicateNode(RoutingAdvertisement)
    /// `neighbour` sent an advertisement (for `origin`) no honest node sends, or one over the
    /// caps: it was neither stored nor flooded. The runtime counts it as the neighbour's
    /// protocol error; `reason` says what was wrong.
    case rejected(origin: String, from: String, reason: String)
}
