/// AWX's capacity of an execution node (awx-integration.md 2.4), from its CPU count and memory.
public struct Capacity: Equatable, Sendable {
    public var cpuCapacity: Int
    public var memCapacity: Int
    public var capacity: Int

    /// Tunables, with AWX's defaults.
    public struct Settings: Equatable, Sendable {
        /// Forks per CPU (`SYSTEM_TASK_FORKS_CPU`).
        public var forksPerCPU: Double = 4
        /// MiB of memory per fork (`SYSTEM_TASK_FORKS_MEM`).
        public var memoryPerForkMiB: Int64 = 100
        /// Memory kept back (2 GiB; 0 when the control plane runs on Kubernetes).
        public var reservedMemoryBytes: Int64 = 2_147_483_648
        /// Where capacity lies between the smaller and the larger of the two (0...1).
        public var adjustment: Double = 1

        public init() {}
    }

    /// - Parameters:
    ///   - cpus: the node's CPU count (may be fractional).
    ///   - memoryBytes: its memory in bytes.
    public init(cpus: Double, memoryBytes: Int64, settings: Settings = Settings()) {
        cpuCapacity = max(1, Int((cpus * settings.forksPerCPU).rounded(.towardZero)))
        let usable = memoryBytes - settings.reservedMemoryBytes
        // Python's floor division on a possibly negative number, then the floor of 1.
        let mib = floorDiv(usable, 1 << 20)
        memCapacity = Int(max(1, floorDiv(mib, settings.memoryPerForkMiB)))
        let lo = Double(min(cpuCapacity, memCapacity))
        let hi = Double(max(cpuCapacity, memCapacity))
        capacity = Int((lo + (hi - lo) * settings.adjustment).rounded(.towardZero))
    }
}

private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
