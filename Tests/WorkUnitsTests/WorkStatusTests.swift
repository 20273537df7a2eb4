import Crypto
import Foundation
import Testing

@testable import WorkUnits

@Suite struct WorkStatusTests {
    static let box = SecretBox(key: SymmetricKey(size: .bits256))

    static func remoteStatus(params: [String: String]) -> WorkStatus {
        WorkStatus(
            state: .running,
            detail: "Running: PID 7",
            stdoutSize: 12,
            workType: "remote",
            extraData: .remote(
                RemoteExtra(
                    remoteNode: "node3",
                    remoteWorkType: "echo",
                    remoteParams: params,
                    remoteUnitID: "Xy12Ab34",
                    remoteStarted: true,
                    signWork: true,
                    tlsClient: "tlsclient"
                )
            )
        )
    }

    @Test func commandControlJSONIsExact() {
        let status = WorkStatus(
            state: .running,
            detail: "Running: PID 42",
            stdoutSize: 10,
            workType: "echo",
            extraData: .command(pid: 42, params: "-c x")
        )
        #expect(
            status.controlJSONString()
                == #"{"Detail":"Running: PID 42","ExtraData":{"Params":"-c x","Pid":42},"State":1,"StateName":"Running","StdoutSize":10,"WorkType":"echo"}"#
        )
    }

    @Test func remoteControlJSONIsExactAndRedactsSecrets() {
        let status = Self.remoteStatus(params: ["params": "a b", "secret_kube_config": "TOPSECRET", "Secret_X": "S2"])
        #expect(
            status.controlJSONString()
                == #"{"Detail":"Running: PID 7","ExtraData":{"Expiration":"0001-01-01T00:00:00Z","LocalCancelled":false,"LocalReleased":false,"RemoteNode":"node3","RemoteParams":{"params":"a b"},"RemoteStarted":true,"RemoteUnitID":"Xy12Ab34","RemoteWorkType":"echo","SignWork":true,"TLSClient":"tlsclient"},"State":1,"StateName":"Running","StdoutSize":12,"WorkType":"remote"}"#
        )
    }

    @Test func diskJSONHasNoStateNameAndNoClearSecrets() throws {
        let status = Self.remoteStatus(params: ["params": "a b", "SECRET_token": "hunter2-TOPSECRET"])
        let disk = String(decoding: try status.diskJSON(secrets: Self.box), as: UTF8.self)
        #expect(!disk.contains("StateName"))
        #expect(!disk.contains("hunter2"))
        #expect(disk.contains("\"SECRET_token\":\"enc:v1:"))
        #expect(disk.contains("\"params\":\"a b\""))
        #expect(try WorkStatus(diskJSON: Data(disk.utf8), secrets: Self.box) == status)
    }

    @Test func diskJSONWithoutSecretsMatchesControlMinusStateName() throws {
        let status = WorkStatus(state: .succeeded, detail: "exit status 0", stdoutSize: 3, workType: "echo")
        let disk = String(decoding: try status.diskJSON(secrets: Self.box), as: UTF8.self)
        #expect(disk == #"{"Detail":"exit status 0","ExtraData":null,"State":2,"StdoutSize":3,"WorkType":"echo"}"#)
    }

    @Test func extraDataVariantsRoundTrip() throws {
        let variants: [(String, ExtraData, String)] = [
            ("echo", .none, "null"),
            ("echo", .command(pid: 99, params: ""), #"{"Params":"","Pid":99}"#),
            ("echo", .command(pid: nil, params: "x"), #"{"Params":"x","Pid":0}"#),
            ("gone", .unknownWorkType, #""Unknown WorkType""#),
            ("kube", .raw(.object(["PodName": .string("p"), "Pid": .int(1)])), #"{"Pid":1,"PodName":"p"}"#),
            ("remote", .remote(RemoteExtra(remoteNode: "n")), ""),
            ("echo", .raw(.array([.int(1)])), "[1]"),
        ]
        for (workType, extra, json) in variants {
            let status = WorkStatus(workType: workType, extraData: extra)
            let decoded = try WorkStatus(json: status.controlJSON())
            #expect(decoded == status)
            if !json.isEmpty {
                #expect(status.controlJSONString().contains(#""ExtraData":"# + json))
            }
        }
    }

    @Test func unknownStateValuesSurvive() throws {
        let decoded = try WorkStatus(json: Data(#"{"State":7,"Detail":"d","StdoutSize":1,"WorkType":"w","ExtraData":null}"#.utf8))
        #expect(decoded.state == 7)
        #expect(decoded.workState == nil)
        #expect(decoded.stateName == "Unknown: 7")
        #expect(decoded.controlJSONString().contains(#""State":7,"StateName":"Unknown: 7""#))
        #expect(!decoded.isComplete && !decoded.isTerminal)
    }

    @Test func readsReceptorWrittenStatusFiles() throws {
        // Field order and HTML escapes as Go's encoding/json writes them; plaintext secrets as receptor stores them.
        let goFile = #"""
            {"State":1,"Detail":"Running: PID 1234 \u003cok\u003e","StdoutSize":512,"WorkType":"remote","ExtraData":{"RemoteNode":"node3","RemoteWorkType":"echo","RemoteParams":{"params":"x","secret_kube_pod":"POD"},"RemoteUnitID":"AbCd1234","RemoteStarted":true,"LocalCancelled":false,"LocalReleased":false,"SignWork":false,"TLSClient":"","Expiration":"2024-10-24T16:36:52.123456789-04:00"}}
            """#
        let status = try WorkStatus(diskJSON: Data(goFile.utf8), secrets: Self.box)
        #expect(status.detail == "Running: PID 1234 <ok>")
        let remote = try #require(status.extraData.remote)
        #expect(remote.remoteParams == ["params": "x", "secret_kube_pod": "POD"])
        #expect(remote.remoteUnitID == "AbCd1234")
        #expect(remote.expiration == "2024-10-24T16:36:52.123456789-04:00")
        #expect(remote.expirationDate.map { abs($0.timeIntervalSince1970 - 1_729_802_212.123456) < 1e-6 } == true)
        // Rewriting seals the secret that receptor had left in clear.
        let rewritten = String(decoding: try status.diskJSON(secrets: Self.box), as: UTF8.self)
        #expect(!rewritten.contains("POD"))
    }

    @Test func goCommandStatusWithUnknownMembersDecodes() throws {
        let text = #"{"State":2,"Detail":"exit status 0","StdoutSize":6,"WorkType":"echo","ExtraData":null,"Extra":1}"#
        let status = try WorkStatus(json: Data(text.utf8))
        #expect(status == WorkStatus(state: .succeeded, detail: "exit status 0", stdoutSize: 6, workType: "echo"))
    }

    @Test func absentMembersTakeZeroValues() throws {
        let status = try WorkStatus(json: Data("{}".utf8))
        #expect(status == WorkStatus(rawState: 0, detail: "", stdoutSize: 0, workType: "", extraData: .none))
    }

    @Test func mistypedRemoteDataIsKeptRaw() throws {
        let text = #"{"WorkType":"remote","ExtraData":{"RemoteNode":5}}"#
        let status = try WorkStatus(json: Data(text.utf8))
        #expect(status.extraData == .raw(.object(["RemoteNode": .int(5)])))
    }

    @Test(arguments: ["", "[]", "\"s\"", "{\"State\":\"1\"}", "{\"StdoutSize\":1.5}", "{\"Detail\":3}", "{bad"])
    func malformedRecordsAreCorrupt(_ text: String) {
        do {
            _ = try WorkStatus(json: Data(text.utf8))
            Issue.record("decoded \(text)")
        } catch let error as WorkUnitError {
            #expect(error.code == .corruptStatus)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func listJSONIsAnObjectByID() throws {
        #expect(String(decoding: WorkStatus.listJSON([:]), as: UTF8.self) == "{}")
        let status = Self.remoteStatus(params: ["secret_a": "S"])
        let list = try WorkJSON.parse(WorkStatus.listJSON(["abc": status]))
        #expect(list["abc"]?["StateName"] == .string("Running"))
        #expect(list["abc"]?["ExtraData"]?["RemoteParams"] == .object([:]))
    }

    @Test func expirationDateMapsZeroTimeToNil() {
        var extra = RemoteExtra()
        #expect(extra.expiration == GoTime.zeroRFC3339)
        #expect(extra.expirationDate == nil)
        extra.expirationDate = Date(timeIntervalSince1970: 1_729_802_212)
        #expect(extra.expirationDate == Date(timeIntervalSince1970: 1_729_802_212))
        extra.expirationDate = nil
        #expect(extra.expiration == GoTime.zeroRFC3339)
    }

    @Test func secretKeysMatchCaseInsensitively() {
        #expect(RemoteExtra.isSecretKey("secret_x"))
        #expect(RemoteExtra.isSecretKey("SECRET_"))
        #expect(RemoteExtra.isSecretKey("Secret_Kube_Config"))
        #expect(!RemoteExtra.isSecretKey("secret"))
        #expect(!RemoteExtra.isSecretKey("my_secret_x"))
        #expect(!RemoteExtra.isSecretKey("params"))
    }
}
