import MeshProtocol

/// A parsed control line: the command name and its arguments, from either syntax.
struct ControlCommand {
    enum Arguments {
        /// Plain text: everything after the first space, verbatim.
        case text(String)
        /// JSON: every key except "command".
        case json([String: JSONValue])
    }

    var name: String
    var arguments: Arguments

    /// Parses one non-empty line. Errors are the exact `ERROR:` texts receptor sends.
    static func parse(_ line: String) -> Result<ControlCommand, ControlReplyError> {
        if line.hasPrefix("{") {
            let value: JSONValue
            do {
                value = try JSONParser.parse(line)
            } catch {
                return .failure(ControlReplyError("\(error)"))
            }
            guard case .object(var fields) = value else {
                return .failure(ControlReplyError("JSON did not contain a command"))
            }
            guard let command = fields.removeValue(forKey: "command") else {
                return .failure(ControlReplyError("JSON did not contain a command"))
            }
            guard case .string(let name) = command else {
                return .failure(ControlReplyError("command must be a string"))
            }
            return .success(ControlCommand(name: name, arguments: .json(fields)))
        }
        if let space = line.firstIndex(of: " ") {
            return .success(
                ControlCommand(
                    name: line[..<space].lowercased(),
                    arguments: .text(String(line[line.index(after: space)...]))
                )
            )
        }
        return .success(ControlCommand(name: line.lowercased(), arguments: .text("")))
    }
}

/// An `ERROR: <message>` reply.
struct ControlReplyError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
