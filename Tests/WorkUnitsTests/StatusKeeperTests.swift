import Foundation
import Logging
import Testing

@testable import WorkUnits

/// Log lines kept for a test to look at.
final class LogRecorder: @unchecked Sendable {
    struct Line {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    // Written by the handler, read by the test; the lock makes that safe whatever thread logs.
    private let lock = NSLock()
    private var stored: [Line] = []

    var lines: [Line] { lock.withLock { stored } }

    func append(_ line: Line) { lock.withLock { stored.append(line) } }

    /// A logger whose lines end up here.
    func logger() -> Logger {
        Logger(label: "workunits-tests") { _ in Handler(recorder: self) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.append(
                Line(level: event.level, message: event.message.description, metadata: metadata.merging(event.metadata ?? [:]) { $1 })
            )
        }
    }
}

@Suite struct StatusKeeperTests {
    /// Makes status writes into the unit's directory fail while the record stays readable. Permission bits are
    /// enough for an ordinary user; root ignores them, so then the lock file every writer must open is
    /// replaced by a directory, which no one can open for writing.
    private func makeUnwritable(_ directory: String) throws {
        let lock = directory + "/" + UnitStore.lockFileName
        if geteuid() == 0 {
            if FileManager.default.fileExists(atPath: lock) { try FileManager.default.removeItem(atPath: lock) }
            try FileManager.default.createDirectory(atPath: lock, withIntermediateDirectories: false)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: directory)
    }

    private func makeWritable(_ directory: String) throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        let lock = directory + "/" + UnitStore.lockFileName
        if FileIO.isDirectory(lock) { try FileManager.default.removeItem(atPath: lock) }
    }

    @Test func aFailedWriteIsLoggedCountedAndShownInTheDetail() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.file("node"))
        let log = LogRecorder()
        let keeper = StatusKeeper(store: store, logger: log.logger())
        let (id, _) = try store.create(workType: "echo", state: .running, detail: "Running: PID 42")
        let directory = try store.unitDirectory(id)
        try makeUnwritable(directory)
        defer { try? makeWritable(directory) }  // best effort: lets TemporaryDirectory delete the tree

        keeper.update(id) { s in
            s.workState = .succeeded
            s.detail = "exit status 0"
        }

        #expect(keeper.failures == 1)
        let errors = log.lines.filter { $0.level == .error }
        #expect(errors.count == 1)
        let message = errors.first?.message ?? ""
        #expect(message.contains(id))
        #expect(message.contains(directory + "/status"))
        #expect(errors.first?.metadata["unit"] == "\(id)")
        // The disk still has the old record, but what the node reports is what happened, marked as unsaved.
        #expect(try store.read(id).workState == .running)
        let shown = try keeper.status(id)
        #expect(shown.workState == .succeeded)
        #expect(shown.detail.hasPrefix("exit status 0 (status not saved: "))
        #expect(try keeper.list()[id]?.detail == shown.detail)

        // A later change builds on the kept record, and once the directory is writable again it is all saved.
        try makeWritable(directory)
        keeper.update(id) { $0.stdoutSize = 7 }
        #expect(keeper.failures == 1)
        let saved = try store.read(id)
        #expect(saved.workState == .succeeded)
        #expect(saved.detail == "exit status 0")
        #expect(saved.stdoutSize == 7)
        #expect(try keeper.status(id) == saved)
    }

    @Test func aWriteIntoARemovedDirectoryIsLoggedAndCounted() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.file("node"))
        let log = LogRecorder()
        let keeper = StatusKeeper(store: store, logger: log.logger())
        let (id, _) = try store.create(workType: "echo")
        let directory = try store.unitDirectory(id)
        try FileManager.default.removeItem(atPath: directory)

        #expect(throws: WorkUnitError.self) { try keeper.updateOrThrow(id) { $0.detail = "Starting Worker" } }
        keeper.update(id) { $0.detail = "Starting Worker" }

        #expect(keeper.failures == 2)
        let errors = log.lines.filter { $0.level == .error }
        #expect(errors.count == 2)
        #expect(errors.allSatisfy { $0.message.contains(id) && $0.message.contains(directory + "/status") })
        // The unit is gone: it is unknown, not shown from memory.
        #expect(throws: WorkUnitError.unknownUnit(id)) { try keeper.status(id) }
    }

    @Test func unreadableUnitsAreLoggedOnceAndAnUnreadableNodeDirectoryIsAnError() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.file("node"))
        let log = LogRecorder()
        let keeper = StatusKeeper(store: store, logger: log.logger())
        let (good, status) = try store.create(workType: "echo")
        let (broken, _) = try store.create(workType: "echo")
        try Data(#"{"State":1,"Det"#.utf8).write(to: URL(fileURLWithPath: store.nodeDirectory + "/" + broken + "/status"))

        #expect(try keeper.list() == [good: status])
        #expect(try keeper.list() == [good: status])
        let errors = log.lines.filter { $0.level == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains(broken) == true)
        #expect(try store.listing().unreadable[broken]?.code == .corruptStatus)

        // No node directory: an error, not an empty list that claims there are no units.
        try FileManager.default.removeItem(atPath: store.nodeDirectory)
        #expect(throws: WorkUnitError.self) { try store.list() }
        #expect(throws: WorkUnitError.self) { try keeper.list() }
    }

    @Test func runnerProblemsBecomeTheDetail() throws {
        let root = try TemporaryDirectory()
        #expect(RunnerFiles.runnerProblem(directory: root.path) == nil)
        let line = "work runner: could not record exit.json in \(root.path): cannot write exit.json\n"
        try Data(("some other output\n" + line).utf8).write(to: URL(fileURLWithPath: root.file(RunnerFiles.log)))
        #expect(RunnerFiles.runnerProblem(directory: root.path) == "Failed: " + line.dropLast())
    }
}
