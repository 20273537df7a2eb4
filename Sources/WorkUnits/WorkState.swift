/// The state of a work unit, as stored in the `State` field of a status record.
///
/// Status records keep the raw integer, so values written by a newer or older daemon survive a round trip;
/// use ``name(forRawValue:)`` to name any integer.
public enum WorkState: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// Created, not yet running.
    case pending = 0
    /// The worker is running.
    case running = 1
    /// Finished successfully.
    case succeeded = 2
    /// Finished unsuccessfully (or could not start).
    case failed = 3
    /// Stopped by `work cancel`.
    case canceled = 4

    /// The `StateName` text: `Pending`, `Running`, `Succeeded`, `Failed` or `Canceled` (one "l").
    public var name: String {
        switch self {
        case .pending: "Pending"
        case .running: "Running"
        case .succeeded: "Succeeded"
        case .failed: "Failed"
        case .canceled: "Canceled"
        }
    }

    /// The ``name``.
    public var description: String { name }

    /// Receptor's notion of "complete": succeeded or failed. A canceled unit is **not** complete.
    ///
    /// Results streaming and the remote stdout mirror stop on this condition.
    public var isComplete: Bool {
        self == .succeeded || self == .failed
    }

    /// Whether the unit will never change state again: complete, or canceled.
    public var isTerminal: Bool {
        isComplete || self == .canceled
    }

    /// The `StateName` for any raw state value; unknown values give `Unknown: <n>`.
    /// - Parameter rawValue: The `State` field of a status record.
    public static func name(forRawValue rawValue: Int) -> String {
        WorkState(rawValue: rawValue)?.name ?? "Unknown: \(rawValue)"
    }

    /// ``isComplete`` for a raw state value (unknown values are not complete).
    public static func isComplete(rawValue: Int) -> Bool {
        WorkState(rawValue: rawValue)?.isComplete ?? false
    }

    /// ``isTerminal`` for a raw state value (unknown values are not terminal).
    public static func isTerminal(rawValue: Int) -> Bool {
        WorkState(rawValue: rawValue)?.isTerminal ?? false
    }
}
