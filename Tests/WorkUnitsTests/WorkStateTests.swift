import Testing

@testable import WorkUnits

@Suite struct WorkStateTests {
    @Test func namesAndRawValuesMatchReceptor() {
        let expected: [(WorkState, Int, String)] = [
            (.pending, 0, "Pending"), (.running, 1, "Running"), (.succeeded, 2, "Succeeded"),
            (.failed, 3, "Failed"), (.canceled, 4, "Canceled"),
        ]
        for (state, raw, name) in expected {
            #expect(state.rawValue == raw)
            #expect(state.name == name)
            #expect(WorkState.name(forRawValue: raw) == name)
        }
    }

    @Test func unknownValuesAreNamedWithTheirNumber() {
        #expect(WorkState.name(forRawValue: 5) == "Unknown: 5")
        #expect(WorkState.name(forRawValue: -1) == "Unknown: -1")
        #expect(!WorkState.isComplete(rawValue: 9))
        #expect(!WorkState.isTerminal(rawValue: 9))
    }

    @Test func completeIsGoSemanticsAndTerminalAddsCanceled() {
        #expect(WorkState.allCases.filter(\.isComplete) == [.succeeded, .failed])
        #expect(WorkState.allCases.filter(\.isTerminal) == [.succeeded, .failed, .canceled])
        #expect(WorkState.isComplete(rawValue: 2) && WorkState.isComplete(rawValue: 3))
        #expect(!WorkState.isComplete(rawValue: 4) && WorkState.isTerminal(rawValue: 4))
    }
}
