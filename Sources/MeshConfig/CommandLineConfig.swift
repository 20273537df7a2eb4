/// The daemon's command line, parsed by ``ConfigLoader/parse(arguments:)``.
public struct CommandLineConfig: Sendable, Equatable {
    /// Files given with `-c FILE` / `--config FILE`, in order.
    public var configFiles: [String]
    /// `--version` was given (alone).
    public var showVersion: Bool
    /// `-h` / `--help` was given; parsing stopped there.
    public var showHelp: Bool
    /// Entries given inline (`--tcp-listener port=2222`), in order, numbered from 1.
    public var inlineItems: [ConfigItem]

    /// Creates a command line.
    /// - Parameters:
    ///   - configFiles: Config file paths.
    ///   - showVersion: Whether `--version` was given.
    ///   - showHelp: Whether help was requested.
    ///   - inlineItems: Inline entries.
    public init(
        configFiles: [String] = [],
        showVersion: Bool = false,
        showHelp: Bool = false,
        inlineItems: [ConfigItem] = []
    ) {
        self.configFiles = configFiles
        self.showVersion = showVersion
        self.showHelp = showHelp
        self.inlineItems = inlineItems
    }
}
