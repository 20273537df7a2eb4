/// A `command-service` entry: a mesh service whose every stream runs `command` in a pseudo-terminal.
public struct CommandServiceEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// The mesh service name (at most 8 bytes).
    public var service: String
    /// The command line as written.
    public var command: String
    /// The command split into arguments (``ShellWords``); never empty.
    public var arguments: [String]
    /// `tls-server` for TLS above the mesh.
    public var tls: String?

    public init(index: Int, service: String, command: String, arguments: [String], tls: String? = nil) {
        self.index = index
        self.service = service
        self.command = command
        self.arguments = arguments
        self.tls = tls
    }
}
