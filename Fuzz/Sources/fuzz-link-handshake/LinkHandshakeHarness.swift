// Harness: the link-level state machines (Sources/MeshNode/Link/LinkHandshake.swift,
// FailureDetector.swift; Sources/MeshNode/Backends/UDP/ReliableDatagramConnection.swift,
// UDPLinkPacket.swift) driven by arbitrary input.
//
// The input is a program. Four header bytes pick the configuration (see `LinkSetup`): the datagram
// machine's segment size and windows, the handshake's local node, allowed peers, certificate
// names and costs, the failure detector's intervals. Then each op byte picks an `Op` and the
// bytes after it are its operands (reads past the end give zeros). A sender and a receiver
// `ReliableDatagramConnection` are joined by a network the program controls: datagrams are
// delivered, duplicated, dropped or reordered, the clock jumps, timers fire. What the receiver
// delivers goes through `LinkFrameDecoder` as a link's byte stream would; every hello decoded
// (there, or from a frame body in the input) is evaluated by `LinkHandshake`; every datagram and
// frame counts as life to the `FailureDetector`, every write as a frame sent, and every heartbeat
// decoded is one it hears. Hostile datagrams go through
// `UDPLinkPacket.decode`: data to a third receiver that tags each payload with its sequence,
// acks and resets to the sender or the receiver.
//
// Checked besides "no trap": the receiver delivers each segment once, in order, with the bytes
// the sender's link wrote; the tagged receiver delivers sequences 0, 1, 2, ...; acks describe
// what arrived; the sender sends new data in order, resends identical payloads, keeps its
// counters in range and never lets go of bytes the receiver lacks; hostile datagrams decode
// canonically; hello verdicts and detector actions match what those types document; and at the
// end of a program without forged acks, a loss-free network delivers everything written.

import FuzzSupport
import MeshNode
import MeshProtocol
import NIOCore
import ProtocolSamples

let harnessName = "link-handshake"

/// libFuzzer's one-time setup: writes the seed corpus instead when `FUZZ_WRITE_SEEDS` is set.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    Seeds.writeSeedsIfRequested { LinkSeeds.all }
    return 0
}

/// libFuzzer's entry point: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    var run = LinkRun(LinkSetup(&input))
    var steps = 0
    while !input.isAtEnd && steps < 1024 {
        run.step(&input)
        steps += 1
    }
    run.drain()
    return 0
}
