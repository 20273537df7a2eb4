import ArgumentParser
import Foundation

// receptorctl: our client. Global options come before the command, as in the Python client.
var arguments = Array(CommandLine.arguments.dropFirst())
globalOptions = GlobalOptions.extract(&arguments)
do {
    var command = try Receptorctl.parseAsRoot(arguments)
    try command.run()
} catch {
    // Usage errors are `ERROR: <message>` with exit status 1 and click's wording, as the Python
    // client reports them; help, `ExitCode`s and the rest go through as usual.
    if Receptorctl.exitCode(for: error) == .validationFailure {
        let message = UsageErrors.pythonStyle(Receptorctl.message(for: error), arguments: arguments)
        FileHandle.standardError.write(Data("ERROR: \(message)\n".utf8))
        Receptorctl.exit(withError: ExitCode(1))
    }
    Receptorctl.exit(withError: error)
}
