import Foundation
import NIOSSL

/// mesh-bench: throughput of one mesh stream through 0, 1 and 2 TLS hops against one direct TLS
/// connection (same stack, same run), and ping round trips through one hop.
///
/// usage: mesh-bench [--receptord PATH] [--megabytes N] [--pings N]
/// Run on a release build: `swift build -c release && .build/release/mesh-bench`.

var receptord = ""
var megabytes = 512
var pings = 500
var args = CommandLine.arguments.dropFirst().makeIterator()
while let a = args.next() {
    switch a {
    case "--receptord": receptord = args.next() ?? ""
    case "--megabytes": megabytes = Int(args.next() ?? "") ?? megabytes
    case "--pings": pings = Int(args.next() ?? "") ?? pings
    default:
        print("usage: mesh-bench [--receptord PATH] [--megabytes N] [--pings N]")
        exit(2)
    }
}
if receptord.isEmpty {
    receptord = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("receptord").path
}
let bytes = megabytes << 20
let work = NSTemporaryDirectory() + "mesh-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
// Best effort: a leftover directory under the system temporary directory is harmless.
defer { try? FileManager.default.removeItem(atPath: work) }

// Certificates from the repository's script.
let scriptDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts/make-certs.sh").path
let certs = work + "/certs"
let make = Process()
make.executableURL = URL(fileURLWithPath: "/bin/bash")
make.arguments = [scriptDir, certs, "n0", "n1", "n2", "n3"]
make.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
try make.run()
make.waitUntilExit()
guard make.terminationStatus == 0 else { fatalError("make-certs.sh failed") }

/// What the sink thread measured.
final class SinkResult: @unchecked Sendable {
    // Written once by the sink thread before it signals; read after the wait. The lock makes that explicit.
    private let lock = NSLock()
    private var value: (Int, Date) = (0, Date())
    func set(_ n: Int, _ d: Date) { lock.withLock { value = (n, d) } }
    func get() -> (Int, Date) { lock.withLock { value } }
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

print("mesh-bench: \(megabytes) MiB per run, receptord at \(receptord)")
var baselineRuns: [Double] = []
for _ in 0..<3 {
    do {
        baselineRuns.append(try TLSBaseline.measure(bytes: bytes, certs: certs))
    } catch {
        FileHandle.standardError.write(Data("mesh-bench: a direct TLS run failed: \(error)\n".utf8))
    }
}
// A failed run is left out rather than counted as 0 MB/s; the ratios below need a baseline.
guard !baselineRuns.isEmpty else {
    FileHandle.standardError.write(Data("mesh-bench: every direct TLS run failed; no baseline for the ratios\n".utf8))
    exit(1)
}
let baseline = median(baselineRuns)
print(String(format: "direct TLS connection (NIO+NIOSSL):   %8.1f MB/s", baseline))

/// Sends `bytes` through a chain of `length` nodes; returns MB/s. With `echo`, the far end sends
/// every byte back and the source reads them while it sends: the mesh's own round trip (each byte
/// crosses every hop twice), the ceiling for a job such as `cat` whose output is as large as its
/// input.
func streamThroughput(
    length: Int,
    receptord: String,
    bytes: Int,
    certs: String,
    work: String,
    links: MeshChain.LinkKind = .tcpTLS,
    echo: Bool = false
) throws -> Double {
    let (sink, sinkPort) = try BlockingSocket.listenLoopback()
    let dir = work + "/chain\(length)-\(links)" + (echo ? "-echo" : "")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let chain = try MeshChain(length: length, receptord: receptord, certs: certs, sinkPort: sinkPort, directory: dir, links: links)
    defer { chain.stop() }
    var results: [Double] = []
    for _ in 0..<3 {
        let source = try chain.connectToSink()
        let accepted = sink.accept()
        if echo { Thread { _ = accepted.echo() }.start() }
        let counted = echo ? source : accepted
        let result = SinkResult()
        let done = DispatchSemaphore(value: 0)
        let reader = Thread {
            let n = counted.drain()
            result.set(n, Date())
            done.signal()
        }
        reader.start()
        let chunk = [UInt8](repeating: 0x5A, count: 1 << 20)
        let start = Date()
        try chunk.withUnsafeBytes { raw in
            for _ in 0..<(bytes >> 20) { try source.sendAll(raw) }
        }
        source.shutdownWrite()
        done.wait()
        accepted.close()
        source.close()
        let (received, finished) = result.get()
        guard received == bytes else {
            for node in chain.nodes {
                let log: String
                do {
                    log = try String(contentsOfFile: "\(dir)/\(node).log", encoding: .utf8)
                } catch {
                    log = "(could not read \(dir)/\(node).log: \(error))"
                }
                print("--- \(node) log:\n\(log.split(separator: "\n").suffix(20).joined(separator: "\n"))")
            }
            throw BenchError("\(echo ? "source got back" : "sink got") \(received) of \(bytes) bytes")
        }
        results.append(Double(bytes) / finished.timeIntervalSince(start) / 1_000_000)
    }
    sink.close()
    return median(results)
}

var hopThroughput: [Int: Double] = [:]
for hops in 0...2 {
    let mbs = try streamThroughput(length: hops + 2, receptord: receptord, bytes: bytes, certs: certs, work: work)
    hopThroughput[hops] = mbs
    print(String(format: "mesh stream through %d TLS hop(s):      %8.1f MB/s  ratio %.2f", hops, mbs, mbs / baseline))
}

for links in [MeshChain.LinkKind.udp, .wss] {
    let mbs = try streamThroughput(length: 3, receptord: receptord, bytes: bytes, certs: certs, work: work, links: links)
    print(String(format: "mesh stream through 1 hop, %@ links: %8.1f MB/s  ratio %.2f to the TCP+TLS links",
                 links.rawValue, mbs, mbs / (hopThroughput[1] ?? 1)))
}

let echoOneHop = try streamThroughput(length: 3, receptord: receptord, bytes: bytes, certs: certs, work: work, echo: true)
print(String(format: "mesh stream echo round trip, 1 hop:    %8.1f MB/s of payload  ratio %.2f to the 1-hop stream",
             echoOneHop, echoOneHop / (hopThroughput[1] ?? 1)))

// Ping round trips through one hop (n0 - n1 - n2).
do {
    let (sink, sinkPort) = try BlockingSocket.listenLoopback()
    let dir = work + "/ping"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let chain = try MeshChain(length: 3, receptord: receptord, certs: certs, sinkPort: sinkPort, directory: dir)
    defer {
        chain.stop()
        sink.close()
    }
    _ = try chain.connectToSink().close()
    let s = try BlockingSocket.connectUnix(chain.controlSocket)
    _ = try s.readLine()
    var times: [Double] = []
    for _ in 0..<pings {
        try s.send("ping n2\n")
        let line = try s.readLine()
        guard let range = line.range(of: "\"Time\":"), let end = line[range.upperBound...].firstIndex(where: { $0 == "," || $0 == "}" }),
            let ns = Double(line[range.upperBound..<end])
        else { throw BenchError("bad ping reply \(line)") }
        times.append(ns / 1000)
    }
    times.sort()
    let p50 = times[times.count / 2]
    let p99 = times[min(times.count - 1, times.count * 99 / 100)]
    print(String(format: "ping through 1 hop (%d pings):          p50 %.0f µs  p99 %.0f µs", pings, p50, p99))
    s.close()
}

// Work units through one hop: a cat round trip, and line latency from a running job.
do {
    let (sink, sinkPort) = try BlockingSocket.listenLoopback()
    let dir = work + "/work"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let chain = try MeshChain(
        length: 3,
        receptord: receptord,
        certs: certs,
        sinkPort: sinkPort,
        directory: dir,
        lastNodeExtra: WorkBench.extraConfig
    )
    defer {
        chain.stop()
        sink.close()
    }
    _ = try chain.connectToSink().close()
    var totals: [Double] = []
    var submits: [Double] = []
    for _ in 0..<3 {
        let (total, submit) = try WorkBench.catRoundTrip(chain: chain, bytes: bytes)
        totals.append(total)
        submits.append(submit)
    }
    let total = median(totals)
    let mbs = Double(bytes) / total / 1_000_000
    let oneHop = hopThroughput[1] ?? 0
    print(String(format: "cat work unit round trip, 1 hop:       %8.1f MB/s of payload (%.2f s, submit phase %.2f s)  ratio %.2f to the 1-hop stream",
                 mbs, total, median(submits), mbs / oneHop))
    print(String(format: "    bytes moved through the hop (payload up + output down): %8.1f MB/s  ratio %.2f",
                 2 * Double(bytes) / total / 1_000_000, 2 * mbs / oneHop))
    print(String(format: "    against the mesh's own echo round trip through the same hop:           ratio %.2f",
                 mbs / echoOneHop))
    var latencies = try WorkBench.lineLatencies(chain: chain)
    latencies.sort()
    if !latencies.isEmpty {
        print(String(format: "job line -> submitter through 1 hop (%d lines): p50 %.0f µs  p99 %.0f µs",
                     latencies.count, latencies[latencies.count / 2], latencies[min(latencies.count - 1, latencies.count * 99 / 100)]))
    }
}
