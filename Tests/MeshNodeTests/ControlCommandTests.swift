import MeshProtocol
import Testing

@testable import MeshNode

@Suite("Control command parsing")
struct ControlCommandTests {
    private func parsed(_ line: String) -> (name: String, text: String?, json: [String: JSONValue]?)? {
        guard case .success(let c) = ControlCommand.parse(line) else { return nil }
        switch c.arguments {
        case .text(let t): return (c.name, t, nil)
        case .json(let j): return (c.name, nil, j)
        }
    }

    private func error(_ line: String) -> String? {
        if case .failure(let e) = ControlCommand.parse(line) { return e.message }
        return nil
    }

    @Test("plain lines: the first word lower-cased, the rest verbatim")
    func plain() {
        let status = parsed("STATUS")
        #expect(status?.name == "status")
        #expect(status?.text == "")

        let ping = parsed("Ping  Node-B extra ")
        #expect(ping?.name == "ping")
        #expect(ping?.text == " Node-B extra ")

        let work = parsed("WORK Submit NodeX EchoType")
        #expect(work?.name == "work")
        #expect(work?.text == "Submit NodeX EchoType")

        let trailing = parsed("status ")
        #expect(trailing?.name == "status")
        #expect(trailing?.text == "")
    }

    @Test("JSON lines: command taken out, every other key kept")
    func json() {
        let p = parsed(#"{"command":"ping","target":"node-b","count":3}"#)
        #expect(p?.name == "ping")
        #expect(p?.json == ["target": .string("node-b"), "count": .int(3)])

        let status = parsed(#"{"command": "status", "requested_fields": ["NodeID"]}"#)
        #expect(status?.name == "status")
        #expect(status?.json == ["requested_fields": .array([.string("NodeID")])])
    }

    @Test("JSON without a command, or with a non-string one")
    func jsonCommandErrors() {
        #expect(error(#"{"target":"x"}"#) == "JSON did not contain a command")
        #expect(error("{}") == "JSON did not contain a command")
        #expect(error(#"{"command":5}"#) == "command must be a string")
        #expect(error(#"{"command":null}"#) == "command must be a string")
        #expect(error(#"{"command":["ping"]}"#) == "command must be a string")
    }

    @Test("invalid JSON gives exactly the parser's one-line error text")
    func invalidJSON() {
        for line in [#"{"command":"#, #"{"command":"ping"} trailing"#, "{nope}", #"{"command":"p\q"}"#] {
            var parserError = ""
            do {
                _ = try JSONParser.parse(line)
                Issue.record("\(line) parsed")
            } catch {
                parserError = "\(error)"
            }
            let message = error(line)
            #expect(message == parserError)
            #expect(message?.isEmpty == false)
            #expect(message?.contains("\n") == false)
        }
    }
}
