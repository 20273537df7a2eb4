import ArgumentParser

// receptorctl: our client. Global options come before the command, as in the Python client.
var arguments = Array(CommandLine.arguments.dropFirst())
globalOptions = GlobalOptions.extract(&arguments)
Receptorctl.main(arguments)
