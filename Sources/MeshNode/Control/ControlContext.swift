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
