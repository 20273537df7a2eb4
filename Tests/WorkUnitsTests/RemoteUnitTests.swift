import Foundation
import Logging
import MeshProtocol
import NIOCore
import NIOEmbedded
import Testing

@testable import WorkUnits

/// A wall clock that moves only when told.
final class TestClock {
    var now = Date(timeIntervalSince1970: 1_700_000_000)
}

/// A work manager over a fake mesh and a temporary store, and one remote unit.
final class RemoteFixture {
    let mesh = FakeMesh()
    let directory: TemporaryDirectory
    let store: UnitStore
    let clock = TestClock()
    let manager: WorkManager

    init() throws {
        directory = try TemporaryDirectory()
        store = try UnitStore(nodeDirectory: directory.file("nodeA"))
        let clock = self.clock
        manager = WorkManager(mesh: mesh, localNode: "nodeA", store: store, logger: Logger(label: "remote-unit-tests"), now: { clock.now })
    }

    var remote: FakeRemoteNode { mesh.remote }

    static func extra(started: Bool = false, expiration: String = GoTime.zeroRFC3339) -> RemoteExtra {
        var extra = RemoteExtra(
            remoteNode: "nodeB",
            remoteWorkType: "echo",
            remoteParams: ["params": "-n hello"],
            signWork: false,
            tlsClient: "",
            expiration: expiration
        )
        if started {
            extra.remoteUnitID = "Rem0te01"
            extra.remoteStarted = true
        }
        return extra
    }

    /// A local unit of work type "remote" with its payload on disk, and its driver.
    func unit(_ extra: RemoteExtra = RemoteFixture.extra(), payload: String = "the payload") throws -> (String, RemoteUnit) {
        let (id, _) = try store.create(workType: "remote", state: .pending, detail: "Starting Worker", extraData: .remote(extra))
        try Data(payload.utf8).write(to: URL(fileURLWithPath: try store.stdinPath(id)))
        let unit = RemoteUnit(id: id, extra: extra, manager: manager)
        manager.remoteUnits[id] = unit
        return (id, unit)
    }

    func status(_ id: String) throws -> WorkStatus { try store.read(id) }

    func run() { mesh.embedded.run() }

    func advance(_ amount: TimeAmount) { mesh.embedded.advanceTime(by: amount) }

    func shutdown() {
        for unit in manager.remoteUnits.values { unit.stop() }
        mesh.shutdown()
    }
}

extension RemoteUnit.StartOutcome {
    var text: String {
        switch self {
        case .started: "started"
        case .notReachable(let why): "not reachable: \(why)"
        case .failed(let why): "failed: \(why)"
        }
    }
}

@Suite("Remote units over a fake mesh")
struct RemoteUnitTests {
    // MARK: submit

    @Test("a start sends the submit and the payload to the node's control service and records the remote ID")
    func submit() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        let (id, unit) = try f.unit()
        var outcome: String?
        unit.attemptStart { outcome = $0.text }
        f.run()
        #expect(outcome == "started")
        #expect(f.mesh.opened.map(\.service) == ["control"])
        #expect(f.mesh.opened.map(\.node) == ["nodeB"])
        let submit = f.remote.jsonCommands.first
        #expect(submit?["command"]?.stringValue == "work")
        #expect(submit?["subcommand"]?.stringValue == "submit")
        #expect(submit?["node"]?.stringValue == "nodeB")
        #expect(submit?["worktype"]?.stringValue == "echo")
        #expect(submit?["params"]?.stringValue == "-n hello")
        #expect(submit?["signature"] == nil)
        #expect(submit?["tlsclient"] == nil)
        #expect(f.remote.payloads == [Array("the payload".utf8)])
        let extra = try f.status(id).extraData.remote
        #expect(extra?.remoteUnitID == "Rem0te01")
        #expect(extra?.remoteStarted == true)
        #expect(f.mesh.openChannels == 0, "the submit session is closed")
    }

    @Test("the payload is forwarded while the client is still uploading it; the start ends with the upload")
    func payloadFollowsUpload() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        let (id, unit) = try f.unit(payload: "part one, ")
        unit.payloadComplete = false
        var outcome: String?
        unit.attemptStart { outcome = $0.text }
        f.run()
        #expect(f.remote.uploading == Array("part one, ".utf8), "sent before the upload ended")
        #expect(outcome == nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: try f.store.stdinPath(id)))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("part two".utf8))
        try handle.close()
        unit.payloadGrew()
        f.run()
        #expect(f.remote.uploading == Array("part one, part two".utf8))
        #expect(outcome == nil)
        unit.payloadFinished()
        f.run()
        #expect(f.remote.payloads == [Array("part one, part two".utf8)])
        #expect(outcome == "started")
    }

    @Test("an unreachable node is retried; an error from the node or a wrong greeting fails the start")
    func startFailures() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        let (_, unit) = try f.unit()
        var outcome: String?
        f.remote.reachable = false
        unit.attemptStart { outcome = $0.text }
        f.run()
        #expect(outcome == "not reachable: no route to node nodeB")

        f.remote.reachable = true
        f.remote.submitAnswer = "ERROR: extra params provided but not allowed"
        outcome = nil
        unit.attemptStart { outcome = $0.text }
        f.run()
        #expect(outcome == "failed: error from remote: extra params provided but not allowed")

        f.remote.greeting = "Receptor Control, node nodeC"
        outcome = nil
        unit.attemptStart { outcome = $0.text }
        f.run()
        #expect(outcome == "failed: unexpected greeting from nodeB: Receptor Control, node nodeC")

        f.remote.override["submit"] = "ERROR: unknown work type echo"
        f.remote.greeting = "Receptor Control, node nodeB"
        outcome = nil
        unit.attemptStart { outcome = $0.text }
        f.run()
        #expect(outcome == "failed: could not parse response: ERROR: unknown work type echo")
    }

    @Test("no greeting within 5 s fails the start with a hint about TLS")
    func greetingTimeout() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        let (_, unit) = try f.unit()
        f.remote.greeting = nil
        var outcome: String?
        unit.attemptStart { outcome = $0.text }
        f.advance(.milliseconds(4_999))
        #expect(outcome == nil)
        f.advance(.milliseconds(1))
        #expect(
            outcome
                == "failed: no greeting from the control service of nodeB within 5 s (TLS on one side only? use the tls-client that matches its control service)"
        )
        #expect(f.mesh.openChannels == 0)
    }

    // MARK: TTL

    @Test("a unit whose node stays unreachable past its TTL fails with \"Work unit expired on ...\", by the injected clock")
    func expiredTTL() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        let expires = f.clock.now.addingTimeInterval(10)
        let expiration = GoTime.rfc3339(expires)
        let (id, unit) = try f.unit(RemoteFixture.extra(expiration: expiration))
        f.remote.reachable = false
        unit.startInBackground()
        // Retries at 1 s, then 1.5 s: the loop's time runs, the wall clock does not.
        f.advance(.seconds(1))
        f.advance(.milliseconds(1_500))
        #expect(f.mesh.opened.count == 2)
        #expect(try f.status(id).workState == .pending, "not expired yet: the wall clock has not moved")
        #expect(f.manager.remoteUnits[id] != nil)

        f.clock.now = expires.addingTimeInterval(1)
        f.advance(.milliseconds(2_250))  // the third attempt; expiry is checked after it
        #expect(f.mesh.opened.count == 3)
        let status = try f.status(id)
        #expect(status.workState == .failed)
        let parsed = try #require(GoTime.parseRFC3339(expiration))
        #expect(status.detail == GoTime.expiredDetail(parsed))
        #expect(status.detail.hasPrefix("Work unit expired on "))
        #expect(f.manager.remoteUnits[id] == nil)
        f.advance(.seconds(120))
        #expect(f.mesh.opened.count == 3, "no retries after the unit expired")
    }

    @Test("a unit that reaches its node before the TTL starts and is mirrored")
    func startsBeforeTTL() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        let (id, unit) = try f.unit(RemoteFixture.extra(expiration: GoTime.rfc3339(f.clock.now.addingTimeInterval(60))))
        f.remote.reachable = false
        unit.startInBackground()
        f.advance(.seconds(1))
        f.remote.reachable = true
        f.clock.now = f.clock.now.addingTimeInterval(30)
        f.advance(.milliseconds(1_500))
        let status = try f.status(id)
        #expect(status.detail == "Running", "mirrors the remote status after \"Remote work unit started\"")
        #expect(status.extraData.remote?.remoteStarted == true)
        #expect(f.remote.commands.contains("work status Rem0te01"))
    }

    @Test("expiration and expiry are computed from the given clock")
    func expirationArithmetic() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let text = RemoteUnit.expiration(after: .seconds(90), from: now)
        #expect(GoTime.parseRFC3339(text) == now.addingTimeInterval(90))
        var extra = RemoteFixture.extra(expiration: text)
        #expect(RemoteUnit.expiry(of: extra, now: now.addingTimeInterval(90)) == nil, "not after the expiration yet")
        #expect(RemoteUnit.expiry(of: extra, now: now.addingTimeInterval(91)) == now.addingTimeInterval(90))
        extra.expiration = GoTime.zeroRFC3339
        #expect(RemoteUnit.expiry(of: extra, now: .distantFuture) == nil, "the zero time means no TTL")
    }

    // MARK: monitoring

    @Test("a started unit's output is appended locally and it ends only once every byte is here")
    func mirrorsOutputAndStatus() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        let (id, unit) = try f.unit(RemoteFixture.extra(started: true))
        f.remote.output = Array("remote output\n".utf8)
        f.remote.statusReply = #"{"Detail":"exit status 0","ExtraData":null,"State":2,"StateName":"Succeeded","StdoutSize":14,"WorkType":"echo"}"#
        var woken = 0
        f.manager.waiters[id, default: []].append { woken += 1 }
        unit.monitor()
        f.run()
        #expect(try String(contentsOfFile: try f.store.stdoutPath(id), encoding: .utf8) == "remote output\n")
        let status = try f.status(id)
        #expect(status.workState == .succeeded)
        #expect(status.detail == "exit status 0")
        #expect(status.stdoutSize == 14)
        #expect(f.manager.remoteUnits[id] == nil, "done")
        #expect(woken == 1)
        let results = f.remote.jsonCommands.first { $0["subcommand"]?.stringValue == "results" }
        #expect(results?["unitid"]?.stringValue == "Rem0te01")
        #expect(results?["startpos"] == .int(0))
    }

    @Test("a unit gone from the remote node fails locally")
    func remoteGone() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        let (id, unit) = try f.unit(RemoteFixture.extra(started: true))
        f.remote.override["status"] = "ERROR: unknown work unit Rem0te01"
        f.remote.override["results"] = "ERROR: unknown work unit Rem0te01"
        unit.monitor()
        f.run()
        let status = try f.status(id)
        #expect(status.workState == .failed)
        #expect(status.detail == "Remote work unit is gone")
    }

    // MARK: cancel and release

    @Test("cancel and release go to the remote unit; an unreachable node is pending; an error is passed on")
    func remoteCommands() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        let (_, unit) = try f.unit(RemoteFixture.extra(started: true))
        var outcomes: [String?] = []
        unit.remoteCommand("cancel") { outcomes.append($0) }
        f.run()
        unit.remoteCommand("release") { outcomes.append($0) }
        f.run()
        #expect(outcomes == [nil, nil])
        #expect(f.remote.jsonCommands.map { $0["subcommand"]?.stringValue } == ["cancel", "release"])
        #expect(f.remote.jsonCommands.allSatisfy { $0["unitid"]?.stringValue == "Rem0te01" && $0["command"]?.stringValue == "work" })

        f.remote.reachable = false
        unit.remoteCommand("cancel") { outcomes.append($0) }
        f.run()
        #expect(outcomes.last == "pending")

        f.remote.reachable = true
        f.remote.override["cancel"] = "ERROR: unknown work unit Rem0te01"
        unit.remoteCommand("cancel") { outcomes.append($0) }
        f.run()
        // The reply after "ERROR:" is passed on as it is, with its leading blank.
        #expect(outcomes.last == "error cancelling remote unit:  unknown work unit Rem0te01")
        #expect(f.mesh.openChannels == 0)
    }

    @Test("a release pending at restart is retried with backoff until the node answers, then the unit is deleted")
    func pendingReleaseAtRestart() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        var extra = RemoteFixture.extra(started: true)
        extra.localReleased = true
        let (id, _) = try f.unit(extra)
        f.manager.remoteUnits[id] = nil
        f.remote.reachable = false
        f.manager.reconcileRemote(id, try f.status(id))
        #expect(f.mesh.opened.count == 1)
        f.advance(.seconds(1))
        #expect(f.mesh.opened.count == 2)
        #expect(f.store.exists(id))
        f.remote.reachable = true
        f.advance(.milliseconds(1_500))
        #expect(f.remote.jsonCommands.map { $0["subcommand"]?.stringValue } == ["release"])
        #expect(!f.store.exists(id), "deleted once the remote released it")
        #expect(f.manager.remoteUnits[id] == nil)
    }

    @Test("a cancel pending at restart marks the unit Canceled once it gets through")
    func pendingCancelAtRestart() throws {
        let f = try RemoteFixture()
        defer { f.shutdown() }
        var extra = RemoteFixture.extra(started: true)
        extra.localCancelled = true
        let (id, _) = try f.unit(extra)
        try f.store.update(id) { $0.workState = .running }
        f.manager.remoteUnits[id] = nil
        f.manager.reconcileRemote(id, try f.status(id))
        f.run()
        let status = try f.status(id)
        #expect(status.workState == .canceled)
        #expect(status.detail == "Canceled")
        #expect(f.remote.jsonCommands.map { $0["subcommand"]?.stringValue } == ["cancel"])
    }
}
