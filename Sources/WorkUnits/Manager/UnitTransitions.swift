/// The state changes of a command unit, as pure functions of what happened (no files, no clock),
/// so the rules are tested on their own. `WorkManager` applies them to the store.
enum UnitTransitions {
    /// The final state and Detail once the command's runner reports how the command ended.
    /// - Parameters:
    ///   - exit: the runner's record, or nil if the runner vanished without one.
    ///   - cancelling: a `work cancel` or `release` is in progress: whatever the exit, the unit is
    ///     Canceled (receptor's rule; a job that traps SIGINT and exits 0 is still Canceled).
    ///   - vanishedDetail: the Detail when `exit` is nil.
    static func afterExit(_ exit: RunnerFiles.Exit?, cancelling: Bool, vanishedDetail: String) -> (WorkState, String) {
        if cancelling { return (.canceled, "Canceled") }
        switch exit {
        case .code(0)?: return (.succeeded, "exit status 0")
        case .code(let c)?: return (.failed, "exit status \(c)")
        case .signal(let s)?: return (.failed, "signal: \(SignalName.of(s))")
        case .notStarted(let message)?: return (.failed, "Error starting worker: \(message)")
        case nil: return (.failed, vanishedDetail)
        }
    }

    /// What start-up reconciliation does with a unit found on disk.
    enum AtRestart: Equatable {
        /// Ended units, and remote units (their own reconciliation), are left as they are.
        case leave
        /// It was still waiting for its payload: it can never get it now.
        case fail(detail: String)
        /// It was running: watch its runner again (or fail it if the runner is gone).
        case adopt
    }

    static func atRestart(_ status: WorkStatus) -> AtRestart {
        if status.workType == "remote" { return .leave }
        switch status.workState {
        case .pending?: return .fail(detail: "Pending at restart")
        case .running?: return .adopt
        default: return .leave
        }
    }
}
