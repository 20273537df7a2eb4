import Foundation

/// Work-unit figures through one TLS hop (n0 - n1 - n2, the unit runs on n2): the round trip of a
/// `cat` unit (submit a payload from n0, read the results back on n0), and how long a line written
/// by a running job takes to reach a results reader on n0.
enum WorkBench {
    static let extraConfig = """
        - work-command: {worktype: cat, command: cat}
        - work-command: {worktype: ticker, command: bash, params: "-c 'for i in $(seq 1 100); do date +%s%N; sleep 0.02; done'"}

        """

    /// Submits `bytes` to `cat` on n2 through n0's control socket; returns (total seconds, submit seconds).
    static func catRoundTrip(chain: MeshChain, bytes: Int) throws -> (Double, Double) {
        let s = try BlockingSocket.connectUnix(chain.controlSocket)
        _ = try s.readLine()
        try s.send("{\"command\":\"work\",\"subcommand\":\"submit\",\"node\":\"\(chain.last)\",\"worktype\":\"cat\"}\n")
        let created = try s.readLine()
        guard created.hasPrefix("Work unit created with ID ") else { throw BenchError("submit: \(created)") }
        let chunk = [UInt8](repeating: 0x41, count: 1 << 20)
        let start = Date()
        try chunk.withUnsafeBytes { raw in
            for _ in 0..<(bytes >> 20) { try s.sendAll(raw) }
        }
        s.shutdownWrite()
        let final = try s.readLine()
        let submitted = Date()
        s.close()
        guard final.contains("Job Started"), let idRange = final.range(of: "\"unitid\":\"") else {
            throw BenchError("submit final line: \(final)")
        }
        let id = final[idRange.upperBound...].prefix { $0 != "\"" }
        let r = try BlockingSocket.connectUnix(chain.controlSocket)
        _ = try r.readLine()
        try r.send("work results \(id) 0\n")
        _ = try r.readLine()
        let received = r.drain()
        let end = Date()
        r.close()
        guard received == bytes else { throw BenchError("results: got \(received) of \(bytes) bytes") }
        return (end.timeIntervalSince(start), submitted.timeIntervalSince(start))
    }

    /// Latency (µs) from a line's write time (the job prints its clock) to its arrival on n0.
    static func lineLatencies(chain: MeshChain) throws -> [Double] {
        let s = try BlockingSocket.connectUnix(chain.controlSocket)
        _ = try s.readLine()
        try s.send("{\"command\":\"work\",\"subcommand\":\"submit\",\"node\":\"\(chain.last)\",\"worktype\":\"ticker\"}\n")
        _ = try s.readLine()
        s.shutdownWrite()
        let final = try s.readLine()
        s.close()
        guard let idRange = final.range(of: "\"unitid\":\"") else { throw BenchError("submit: \(final)") }
        let id = final[idRange.upperBound...].prefix { $0 != "\"" }
        let r = try BlockingSocket.connectUnix(chain.controlSocket)
        _ = try r.readLine()
        try r.send("work results \(id) 0\n")
        _ = try r.readLine()
        var latencies: [Double] = []
        // readLine throws when the results stream closes, which is its normal end; the lines read are the sample.
        while let line = try? r.readLine() {
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            let now = Double(ts.tv_sec) * 1e9 + Double(ts.tv_nsec)
            if let written = Double(line) { latencies.append((now - written) / 1000) }
        }
        r.close()
        return latencies
    }
}
