public import MeshProtocol

/// What the runtime must do after feeding an event to a ``LinkStateRouter``.
public enum RouterAction: Sendable, Equatable {
    /// Send these advertisements, in order, to each of these neighbours (node IDs of up links).
    case send([RoutingAdvertisement], to: [String])
    /// The routing table, the known connection costs, or some stored advertisement's links or
    /// services may have changed: re-read what you cache. Never missed, occasionally spurious.
    case routesChanged
    /// Another live process advertises our node ID with a different instance number. The
    /// advertisement was neither stored nor flooded. Reported once per (instance, sequence).
    case duplicateNode(RoutingAdvertisement)
}
