import FuzzSupport
import MeshNode
import MeshProtocol

/// Node names a program picks from: the local node, the allowed peers, the certificate's names
/// and the hellos' senders all come from here, so that they collide often.
let nodeNames = ["hub", "a", "b", "node-3"]

/// The names whose bit is set in the low four bits of `mask`.
func names(in mask: UInt8) -> [String] {
    nodeNames.indices.filter { mask & (1 << UInt8($0)) != 0 }.map { nodeNames[$0] }
}

/// The link configuration a program's four header bytes pick.
///
///   byte 0 (datagram machine): bits 0-1 segment size (1216, 64, 16, 1), bits 2-3 receive window
///          (4096, 64, 8, 1), bit 4 initial window 2, bit 5 minimum window 1, bit 6 maximum
///          window 64, bit 7 RTO range 1 ms ... 1 s
///   byte 1 (handshake): bits 0-1 local node, bits 2-5 allowed peers, bit 6 allowed-peers list
///          on, bit 7 certificate check on
///   byte 2: bits 0-3 the certificate's node IDs, bits 4-5 backend cost (1, 2.5, 0, 100)
///   byte 3: bits 0-1 heartbeat interval (250 ms, 1 s, 10 ms, 0), bits 2-3 dead timeout
///          (1 s, 3 s, 250 ms, 0), bits 4-5 a peer with a per-node cost of 3, bit 6 that override on,
///          bit 7 the failure detector follows (a listener's) instead of leading
struct LinkSetup {
    var handshake: LinkHandshake
    /// What the TLS layer found in the peer's certificate; nil when the link skips the check.
    var certificateNodeIDs: [String]?
    var reliable = ReliableDatagramConnection.Configuration()
    var heartbeatInterval: Duration
    var deadTimeout: Duration
    /// The detector's end: the dialer leads, the listener follows.
    var pace: FailureDetector.Pace
    /// Most bytes the sender is given: enough segments to reach the windows' edges, few enough
    /// that the final drain stays quick.
    var writeLimit: Int

    /// Reads the four header bytes (zeros past the end: the defaults).
    init(_ input: inout FuzzInput) {
        let r = input.byte()
        let h = input.byte()
        let c = input.byte()
        let d = input.byte()

        reliable.segmentSize = [UDPLinkPacket.maximumPayload, 64, 16, 1][Int(r & 3)]
        reliable.receiveWindow = [4096, 64, 8, 1][Int(r >> 2 & 3)]
        if r & 0x10 != 0 { reliable.initialWindow = 2 }
        if r & 0x20 != 0 { reliable.minimumWindow = 1 }
        if r & 0x40 != 0 { reliable.maximumWindow = 64 }
        if r & 0x80 != 0 {
            reliable.minimumRTO = .milliseconds(1)
            reliable.maximumRTO = .seconds(1)
        }
        writeLimit = min(8_192, reliable.segmentSize * 128)

        var nodeCost: [String: Double] = [:]
        if d & 0x40 != 0 { nodeCost[nodeNames[Int(d >> 4 & 3)]] = 3 }
        handshake = LinkHandshake(
            localNode: nodeNames[Int(h & 3)],
            cost: [1, 2.5, 0, 100][Int(c >> 4 & 3)],
            nodeCost: nodeCost,
            allowedPeers: h & 0x40 != 0 ? Set(names(in: h >> 2)) : nil
        )
        certificateNodeIDs = h & 0x80 != 0 ? names(in: c) : nil
        heartbeatInterval = [.milliseconds(250), .seconds(1), .milliseconds(10), .zero][Int(d & 3)]
        deadTimeout = [.seconds(1), .seconds(3), .milliseconds(250), .zero][Int(d >> 2 & 3)]
        pace = d & 0x80 == 0 ? .leading : .following
    }
}

/// Hellos a program can send by index: each name with the costs the setups use, an empty name
/// and a future protocol version (the other link frames follow them, see ``sampleFrames``).
let sampleHellos: [LinkHello] =
    (nodeNames + [""]).flatMap { node in
        [1, 2.5, 3].map { LinkHello(nodeID: node, instance: 7, cost: $0, heartbeatIntervalMillis: 250) }
    } + [LinkHello(version: 2, nodeID: "a", instance: 7, cost: 1, heartbeatIntervalMillis: 250)]
