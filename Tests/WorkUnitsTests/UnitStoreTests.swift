import Foundation
import Testing

@testable import WorkUnits

@Suite struct UnitStoreTests {
    @Test func createsNodeDirectoryAndUnitsWithPrivateModes() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.file("data/node1"))
        #expect(store.nodeDirectory == root.file("data/node1"))
        #expect(try permissions(store.nodeDirectory) == 0o700)

        let (id, status) = try store.create(workType: "echo")
        #expect(UnitID.isValid(id) && id.utf8.count == 8)
        #expect(status == WorkStatus(state: .pending, detail: "Unit Created", workType: "echo"))
        #expect(try store.read(id) == status)
        let directory = try store.unitDirectory(id)
        #expect(try permissions(directory) == 0o700)
        #expect(try permissions(directory + "/status") == 0o600)
        #expect(try store.stdinPath(id) == directory + "/stdin")
        #expect(try store.stdoutPath(id) == directory + "/stdout")
        #expect(!FileManager.default.fileExists(atPath: try store.stdoutPath(id)))
    }

    @Test func createAcceptsAnInitialStatus() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.path)
        let extra = ExtraData.remote(RemoteExtra(remoteNode: "node2", remoteWorkType: "echo"))
        let (id, status) = try store.create(workType: "remote", state: .pending, detail: "Waiting", extraData: extra)
        #expect(status.detail == "Waiting")
        #expect(try store.read(id).extraData == extra)
        let ids = (0..<50).map { _ in (try? store.create(workType: "echo").id) ?? "" }
        #expect(Set(ids).count == 50)
    }

    @Test func writeUpdateAndListRoundTrip() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.path)
        let (a, _) = try store.create(workType: "echo")
        let (b, _) = try store.create(workType: "cat")
        var status = try store.read(a)
        status.workState = .running
        status.detail = "Running: PID 5"
        status.extraData = .command(pid: 5, params: "x")
        try store.write(a, status)
        #expect(try store.read(a) == status)

        let updated = try store.update(b) {
            $0.workState = .succeeded
            $0.detail = "exit status 0"
        }
        #expect(updated.stateName == "Succeeded")
        #expect(try store.read(b) == updated)
        #expect(try store.list() == [a: status, b: updated])
    }

    @Test func failedUpdateBodyWritesNothing() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.path)
        let (id, before) = try store.create(workType: "echo")
        struct Refused: Error {}
        #expect(throws: Refused.self) {
            try store.update(id) {
                $0.detail = "changed"
                throw Refused()
            }
        }
        #expect(try store.read(id) == before)
    }

    @Test func unitFilesAreWrittenWithMode0600AndSized() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.path)
        let (id, _) = try store.create(workType: "echo")
        #expect(store.stdoutSize(id) == 0)
        let out = try store.openForWriting(.stdout, of: id)
        try out.write(contentsOf: Data("hello".utf8))
        try out.close()
        let more = try store.openForWriting(.stdout, of: id, append: true)
        try more.write(contentsOf: Data(" world".utf8))
        try more.close()
        #expect(store.stdoutSize(id) == 11)
        #expect(try permissions(store.stdoutPath(id)) == 0o600)
        let input = try store.openForWriting(.stdin, of: id)
        try input.close()
        #expect(try permissions(store.stdinPath(id)) == 0o600)
        #expect(store.stdoutSize("nosuchunit") == 0)
    }

    @Test func symlinkedUnitFilesAreRefused() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.file("node"))
        let (id, _) = try store.create(workType: "echo")
        let target = root.file("victim")
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: try store.stdoutPath(id), withDestinationPath: target)
        #expect(throws: WorkUnitError.self) { try store.openForWriting(.stdout, of: id) }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
        #expect(store.stdoutSize(id) == 0)
    }

    @Test func unknownAndMissingUnits() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.path)
        expectError("unknown work unit Abc123") { _ = try store.read("Abc123") }
        expectError("unknown work unit Abc123") { try store.write("Abc123", WorkStatus(workType: "x")) }
        expectError("unknown work unit Abc123") { try store.update("Abc123") { _ in } }
        expectError("unknown work unit Abc123") { try store.remove("Abc123") }
        expectError("unknown work unit Abc123") { _ = try store.openForWriting(.stdin, of: "Abc123") }
        #expect(!FileManager.default.fileExists(atPath: root.file("Abc123")))
        #expect(!store.exists("Abc123"))
    }

    @Test(arguments: ["../outside", "..", ".", "", "a/b", "/tmp", "x y", "..%2Foutside", "outside/../outside"])
    func traversalIDsAreRejectedWithoutTouchingTheFileSystem(_ id: String) throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.file("node"))
        // A well-formed unit just outside the node directory: reaching it would mean the ID became a path.
        let outside = root.file("outside")
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        let victim = try WorkStatus(workType: "echo").diskJSON(secrets: store.secrets)
        try victim.write(to: URL(fileURLWithPath: outside + "/status"))

        let message = "unknown work unit \(id)"
        expectError(message) { _ = try store.read(id) }
        expectError(message) { try store.write(id, WorkStatus(workType: "pwned")) }
        expectError(message) { try store.update(id) { $0.detail = "pwned" } }
        expectError(message) { try store.remove(id) }
        expectError(message) { _ = try store.stdinPath(id) }
        expectError(message) { _ = try store.stdoutPath(id) }
        expectError(message) { _ = try store.unitDirectory(id) }
        expectError(message) { _ = try store.openForWriting(.stdout, of: id) }
        #expect(store.stdoutSize(id) == 0)
        #expect(!store.exists(id))

        #expect(try Data(contentsOf: URL(fileURLWithPath: outside + "/status")) == victim)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["status"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.nodeDirectory).isEmpty)
    }

    @Test func listSkipsInvalidNamesFilesSymlinksAndBrokenStatuses() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.file("node"))
        let (good, status) = try store.create(workType: "echo")
        let node = store.nodeDirectory
        let fileManager = FileManager.default
        // Not valid IDs.
        try fileManager.createDirectory(atPath: node + "/bad.name", withIntermediateDirectories: false)
        try status.diskJSON(secrets: store.secrets).write(to: URL(fileURLWithPath: node + "/bad.name/status"))
        // A plain file with a valid name.
        try Data().write(to: URL(fileURLWithPath: node + "/plainFile"))
        // A symlink to a unit.
        try fileManager.createSymbolicLink(atPath: node + "/linked", withDestinationPath: node + "/" + good)
        // No status, empty status, broken status.
        try fileManager.createDirectory(atPath: node + "/noStatus", withIntermediateDirectories: false)
        try fileManager.createDirectory(atPath: node + "/emptyStatus", withIntermediateDirectories: false)
        try Data().write(to: URL(fileURLWithPath: node + "/emptyStatus/status"))
        try fileManager.createDirectory(atPath: node + "/halfStatus", withIntermediateDirectories: false)
        try Data(#"{"State":1,"Detail":"Runn"#.utf8).write(to: URL(fileURLWithPath: node + "/halfStatus/status"))

        #expect(try store.list() == [good: status])
        do {
            _ = try store.read("halfStatus")
            Issue.record("read a broken status")
        } catch let error as WorkUnitError {
            #expect(error.code == .corruptStatus)
            #expect(error.message.hasPrefix("work unit halfStatus: "))
        }
        expectError("unknown work unit noStatus") { _ = try store.read("noStatus") }
        expectError("unknown work unit plainFile") { _ = try store.read("plainFile") }
        expectError("unknown work unit linked") { _ = try store.read("linked") }
        expectError("unknown work unit linked") { try store.write("linked", status) }
    }

    @Test func removeDeletesTheUnitAtOnce() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.path)
        let (id, _) = try store.create(workType: "echo")
        let out = try store.openForWriting(.stdout, of: id)
        try out.write(contentsOf: Data(repeating: 0x41, count: 100_000))
        try out.close()
        try store.remove(id)
        #expect(!store.exists(id))
        expectError("unknown work unit \(id)") { _ = try store.read(id) }
        #expect(try store.list().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.nodeDirectory).isEmpty)
        expectError("unknown work unit \(id)") { try store.remove(id) }
    }

    @Test func removeFinishesAnInterruptedRemoval() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.path)
        let (id, _) = try store.create(workType: "echo")
        let (other, _) = try store.create(workType: "echo")
        // A try whose deletion failed part-way: the unit is hidden already, its tree still there.
        let hidden = store.nodeDirectory + "/." + id + ".removing.Zz9Yy8Xx"
        try FileManager.default.moveItem(atPath: store.nodeDirectory + "/" + id, toPath: hidden)
        // Remains of another unit whose ID starts with this one's are not touched.
        let longer = store.nodeDirectory + "/." + id + "X.removing.Zz9Yy8Xx"
        try FileManager.default.createDirectory(atPath: longer, withIntermediateDirectories: false)
        #expect(!store.exists(id))
        try store.remove(id)
        #expect(!FileIO.exists(hidden))
        #expect(FileIO.isDirectory(longer))
        #expect(store.exists(other))
        expectError("unknown work unit \(id)") { try store.remove(id) }
    }

    @Test func listCleansUpInterruptedRemovals() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.path)
        let leftover = store.nodeDirectory + "/.Ab12Cd34.removing.Zz9Yy8Xx"
        try FileManager.default.createDirectory(atPath: leftover + "/deep", withIntermediateDirectories: true)
        #expect(try store.list().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: leftover))
    }

    @Test func concurrentUpdatesAreNeverLost() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.path)
        let (id, _) = try store.create(workType: "echo")
        let failures = Mutexed(0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for step in 0..<40 {
                do {
                    try store.update(id) {
                        $0.stdoutSize += 1
                        $0.detail = "worker \(worker) step \(step)"
                    }
                } catch {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        #expect(try store.read(id).stdoutSize == 320)
        let names = try FileManager.default.contentsOfDirectory(atPath: try store.unitDirectory(id))
        #expect(Set(names) == ["status", "status.lock"])
    }

    @Test func readersNeverSeeATornRecordWhileWritersRace() throws {
        let root = try TemporaryDirectory()
        let store = try UnitStore(nodeDirectory: root.path)
        let (id, _) = try store.create(workType: "echo")
        try store.write(id, CrashSafetyTests.record(0))
        let bad = Mutexed<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for step in 1...25 {
                if worker < 2 {
                    let generation = Int64(worker * 1_000 + step)
                    try? store.write(id, CrashSafetyTests.record(generation))
                } else if let problem = CrashSafetyTests.problem(store, id) {
                    bad.withLock { $0.append(problem) }
                }
            }
        }
        #expect(bad.withLock { $0 } == [])
    }
}
