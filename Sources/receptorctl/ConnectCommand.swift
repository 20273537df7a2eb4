import ArgumentParser
import Foundation

/// `connect NODE SERVICE`: bridges stdin/stdout to a service on a node through the control socket.
///
/// On a terminal, EOF on stdin (Ctrl-D) ends the session at once, as in the Python client. On a pipe
/// or file, the socket is half-closed instead and the reply is read until the server closes, so
/// `printf 'status\n' | receptorctl connect C control` prints the greeting and the reply. (The Python
/// client cannot read a non-terminal stdin here: its `tcgetattr` fails.)
struct Connect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Connect the local terminal to a Receptor service on a remote node.")
    @Argument(help: "The node to connect to") var node: String
    @Argument(help: "The service on that node") var service: String
    @Flag(name: [.customShort("r"), .long], help: "Set terminal to raw mode") var raw = false
    @Option(name: .customLong("tls-client"), help: "TLS client config name used when connecting to remote node")
    var tlsClient = ""

    func run() throws {
        try startSession()
        try reportingErrors {
            let c = try session.connectToService(node: node, service: service, tlsClient: tlsClient)
            try bridge(c)
        }
    }

    private func bridge(_ c: ControlConnection) throws {
        let isTTY = isatty(0) != 0
        var saved = termios()
        let haveTerm = isTTY && tcgetattr(0, &saved) == 0
        if raw && haveTerm {
            var t = saved
            cfmakeraw(&t)
            t.c_lflag &= ~tcflag_t(ISIG)
            tcsetattr(0, TCSAFLUSH, &t)
        }
        defer {
            if haveTerm { tcsetattr(0, TCSAFLUSH, &saved) }
            writeOut("\n")
        }
        var stdinOpen = true
        var input = [UInt8](repeating: 0, count: 4096)
        while true {
            if c.hasBufferedBytes {
                // Already received (with `Connecting`, or decrypted by TLS): poll() would not report it.
                guard let chunk = try c.readChunk() else { return }
                writeOut(chunk)
                continue
            }
            var fds = [pollfd(fd: c.fd, events: Int16(POLLIN), revents: 0), pollfd(fd: stdinOpen ? 0 : -1, events: Int16(POLLIN), revents: 0)]
            let n = poll(&fds, 2, -1)
            if n < 0 {
                if errno == EINTR { continue }
                throw ClientError(ControlConnection.errnoText(errno))
            }
            let ready = Int16(POLLIN | POLLHUP | POLLERR)
            if fds[0].revents & ready != 0 {
                guard let chunk = try c.readChunk() else { return }
                writeOut(chunk)
            }
            if stdinOpen && fds[1].revents & ready != 0 {
                let got = input.withUnsafeMutableBytes { read(0, $0.baseAddress!, $0.count) }
                if got < 0 && errno == EINTR { continue }
                if got <= 0 {
                    if isTTY { return }
                    c.shutdownWrite()
                    stdinOpen = false
                } else {
                    try c.sendBytes(input[..<got])
                }
            }
        }
    }
}
