import Testing

@testable import WorkUnits

@Suite("command unit transitions")
struct UnitTransitionsTests {
    @Test(
        "how a command ended becomes State and Detail",
        arguments: [
            (RunnerFiles.Exit.code(0), WorkState.succeeded, "exit status 0"),
            (.code(2), .failed, "exit status 2"),
            (.code(254), .failed, "exit status 254"),
            (.signal(9), .failed, "signal: killed"),
            (.signal(15), .failed, "signal: terminated"),
            (.signal(2), .failed, "signal: interrupt"),
            (.notStarted("exec: \"nope\": No such file or directory"), .failed, "Error starting worker: exec: \"nope\": No such file or directory"),
        ]
    )
    func exits(exit: RunnerFiles.Exit, state: WorkState, detail: String) {
        let result = UnitTransitions.afterExit(exit, cancelling: false, vanishedDetail: "gone")
        #expect(result.0 == state)
        #expect(result.1 == detail)
    }

    @Test("a cancelled unit is Canceled whatever its exit, even 0", arguments: [RunnerFiles.Exit.code(0), .code(254), .signal(2), .signal(9)])
    func cancelled(exit: RunnerFiles.Exit) {
        let result = UnitTransitions.afterExit(exit, cancelling: true, vanishedDetail: "gone")
        #expect(result.0 == .canceled && result.1 == "Canceled")
    }

    @Test("a runner that vanished without a record fails with the given reason")
    func vanished() {
        let result = UnitTransitions.afterExit(nil, cancelling: false, vanishedDetail: "runner gone")
        #expect(result.0 == .failed && result.1 == "runner gone")
    }

    @Test("restart: pending fails, running is adopted, ended and remote units are left")
    func restart() {
        func status(_ s: WorkState, _ type: String = "cat") -> WorkStatus { WorkStatus(state: s, workType: type) }
        #expect(UnitTransitions.atRestart(status(.pending)) == .fail(detail: "Pending at restart"))
        #expect(UnitTransitions.atRestart(status(.running)) == .adopt)
        #expect(UnitTransitions.atRestart(status(.succeeded)) == .leave)
        #expect(UnitTransitions.atRestart(status(.failed)) == .leave)
        #expect(UnitTransitions.atRestart(status(.canceled)) == .leave)
        #expect(UnitTransitions.atRestart(status(.running, "remote")) == .leave)
        #expect(UnitTransitions.atRestart(WorkStatus(rawState: 9, detail: "", stdoutSize: 0, workType: "cat", extraData: .none)) == .leave)
    }
}
