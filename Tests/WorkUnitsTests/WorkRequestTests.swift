import MeshNode
import MeshProtocol
import Testing

@testable import WorkUnits

@Suite("work command parsing")
struct WorkRequestTests {
    func parse(_ text: String) -> Result<WorkRequest, WorkRequestError> {
        Result { () throws(WorkRequestError) in try WorkRequest.parse(.text(text)) }
    }

    func parseJSON(_ line: String) throws -> Result<WorkRequest, WorkRequestError> {
        guard case .object(var fields) = try JSONParser.parse(line) else { throw WorkRequestError("not an object") }
        fields["command"] = nil
        return Result { () throws(WorkRequestError) in try WorkRequest.parse(.json(fields)) }
    }

    @Test("plain-text forms")
    func plain() throws {
        #expect(
            try parse("submit node2 echo a b  c").get()
                == .submit(.init(node: "node2", workType: "echo", params: ["params": "a b  c"], signWork: false))
        )
        #expect(try parse("submit node2 echo").get() == .submit(.init(node: "node2", workType: "echo", params: [:], signWork: false)))
        #expect(try parse("list").get() == .list(unitID: nil))
        #expect(try parse("list abc").get() == .list(unitID: "abc"))
        #expect(try parse("status abc").get() == .status(unitID: "abc"))
        #expect(try parse("STATUS abc").get() == .status(unitID: "abc"))
        #expect(try parse("results abc").get() == .results(unitID: "abc", startPosition: 0, signature: nil))
        #expect(try parse("results abc 42").get() == .results(unitID: "abc", startPosition: 42, signature: nil))
        #expect(try parse("cancel abc").get() == .cancel(unitID: "abc", signature: nil))
        #expect(try parse("force-release abc").get() == .release(unitID: "abc", force: true, signature: nil))
    }

    @Test("plain-text errors are receptor's texts")
    func plainErrors() {
        #expect(parse("submit node2") == .failure(WorkRequestError("work submit requires a target node and work type")))
        #expect(parse("status") == .failure(WorkRequestError("work status requires a unit ID")))
        #expect(parse("status abc ") == .failure(WorkRequestError("work status does not take parameters after the unit ID")))
        #expect(parse("release") == .failure(WorkRequestError("work release requires a unit ID")))
        #expect(parse("") == .failure(WorkRequestError("bad command")))
        #expect(parse(" status x") == .failure(WorkRequestError("bad command")))
        #expect(parse("start x") == .failure(WorkRequestError("bad command")))
        #expect(
            parse("results abc x1")
                == .failure(WorkRequestError("error converting start position to integer: strconv.ParseInt: parsing \"x1\": invalid syntax"))
        )
    }

    @Test("JSON forms: every other key is a work parameter; values must be strings")
    func json() throws {
        let submit = try parseJSON(
            #"{"command": "work", "subcommand": "submit", "node": "n3", "worktype": "w", "tlsclient": "t", "ttl": "20s", "signwork": "true", "params": "--worker-info", "secret_x": "s"}"#
        ).get()
        #expect(
            submit
                == .submit(
                    .init(
                        node: "n3",
                        workType: "w",
                        params: ["params": "--worker-info", "secret_x": "s"],
                        tlsClient: "t",
                        ttl: "20s",
                        signWork: true,
                        signature: nil
                    )
                )
        )
        #expect(
            try parseJSON(#"{"command":"work","subcommand":"submit","node":"n","worktype":"w","x":1}"#)
                == .failure(WorkRequestError("submit parameters must all be strings and x is not"))
        )
        #expect(try parseJSON(#"{"command":"work","subcommand":"submit","worktype":"w"}"#) == .failure(WorkRequestError("field node missing")))
        #expect(try parseJSON(#"{"command":"work","subcommand":"submit","node":"n"}"#) == .failure(WorkRequestError("field worktype missing")))
        #expect(
            try parseJSON(#"{"command":"work","subcommand":"results","unitid":"u","startpos":7,"signature":"sig"}"#).get()
                == .results(unitID: "u", startPosition: 7, signature: "sig")
        )
        #expect(try parseJSON(#"{"command":"work","subcommand":"results","unitid":"u","startpos":"7"}"#) == .failure(WorkRequestError("startpos must be a number")))
        #expect(try parseJSON(#"{"command":"work","subcommand":"RELEASE","unitid":"u"}"#).get() == .release(unitID: "u", force: false, signature: nil))
    }
}
