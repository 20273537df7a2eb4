import Foundation
import MeshProtocol

/// The client's control session, reconnecting lazily like the Python client's `ReceptorControl`:
/// commands that end a session (submit, results) close it, and the next command opens a new one.
final class Session {
    private var connection: ControlConnection?

    /// Opens the first connection with the version query every invocation starts with.
    func start() throws {
        if connection == nil { connection = try globalOptions.connect() }
    }

    /// The open connection, or a new one (with its greeting read).
    func current() throws -> ControlConnection {
        if let connection { return connection }
        guard let socket = globalOptions.socket, !socket.isEmpty else { throw ClientError("Missing parameter: socket") }
        let c = try ControlConnection(address: socket, tls: tlsSettings)
        connection = c
        return c
    }

    func close() { connection = nil }

    func simpleCommand(_ line: String) throws -> JSONValue {
        try current().simpleCommand(line)
    }

    /// `connect <node> <service> <tlsclient>`; anything but `Connecting...` is an error with
    /// the reply line as its message (so `ERROR: ERROR: ...` when printed, as in Python).
    func connectToService(node: String, service: String, tlsClient: String) throws -> ControlConnection {
        let c = try current()
        try c.send("connect \(node) \(service) \(tlsClient)")
        let text = try c.readLine()
        guard text.hasPrefix("Connecting") else { throw ClientError(text) }
        return c
    }

    /// Python's `str()` of a reply value (`released` ids are strings, printed bare).
    static func str(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return PythonStyleJSON.pythonRepr(value)
    }
}

nonisolated(unsafe) let session = Session()

/// Opens the session as the Python CLI group does before any command, reporting failures as
/// `ERROR: ...` with exit status 1.
func startSession() throws {
    try reportingErrors { try session.start() }
}
