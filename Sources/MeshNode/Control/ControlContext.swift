import Foundation
import MeshProtocol
import NIOCore

/// What control sessions need from the daemon beyond the mesh core.
final class ControlContext {
    unowned let core: MeshCore
    let tls: TLSRegistry
    /// Re-reads the configuration file; succeeds with nil or with the error text and its ERRORCODE.
    let reload: () -> EventLoopFuture<String?>
    /// Serves `work` commands (installed by the work-unit manager).
    var workHandler: (any WorkCommandHandler)?

    init(core: MeshCore, tls: TLSRegistry, reload: @escaping () -> EventLoopFuture<String?>) {
        self.core = core
        self.tls = tls
        self.reload = reload
    }
}

/// Facts about this machine for `status`.
enum SystemInfo {
    static var cpuCount: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Total memory in MiB, from /proc/meminfo (falls back to Foundation).
    static var memoryMiB: Int {
        // Best effort: no /proc (macOS, some sandboxes) falls back to Foundation's figure below.
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
                let parts = line.split(separator: " ")
                if parts.count >= 2, let kb = Int(parts[1]) { return kb / 1024 }
            }
        }
        return Int(ProcessInfo.processInfo.physicalMemory / 1_048_576)
    }
}

/// RFC 3339 with nanoseconds, trailing zeros trimmed, in UTC, as Go's `time.RFC3339Nano`.
enum RFC3339 {
    /// Total for every `ms` (a peer's advertisement carries it): floor division with no
    /// subtraction that could overflow near `Int64.min`.
    static func format(millisecondsSince1970 ms: Int64) -> String {
        let (quotient, remainder) = ms.quotientAndRemainder(dividingBy: 1000)
        let seconds = remainder < 0 ? quotient - 1 : quotient
        let millis = remainder < 0 ? remainder + 1000 : remainder
        return format(seconds: seconds, nanoseconds: millis * 1_000_000)
    }

    static func format(_ date: Date) -> String {
        // Clamped to what RFC 3339 can print (years 0000..9999), so no date can trap the conversion.
        let t = min(max(date.timeIntervalSince1970, -62_167_219_200), 253_402_300_799)
        guard t.isFinite else { return format(seconds: 0, nanoseconds: 0) }
        var whole = Int64(t.rounded(.down))
        var nanos = Int64(((t - Double(whole)) * 1_000_000_000).rounded())
        if nanos >= 1_000_000_000 {
            whole += 1
            nanos -= 1_000_000_000
        }
        return format(seconds: whole, nanoseconds: nanos)
    }

    /// Integer arithmetic only, so milliseconds print exactly.
    static func format(seconds whole: Int64, nanoseconds nanos: Int64) -> String {
        var tm = tm()
        var t = time_t(whole)
        if gmtime_r(&t, &tm) == nil { return "0000-01-01T00:00:00Z" }
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        var text =
            "\(pad(tm.tm_year &+ 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2))"
        if nanos > 0 && nanos < 1_000_000_000 {
            var frac = String(nanos)
            frac = String(repeating: "0", count: 9 - frac.count) + frac
            while frac.hasSuffix("0") { frac.removeLast() }
            text += "." + frac
        }
        return text + "Z"
    }
}
