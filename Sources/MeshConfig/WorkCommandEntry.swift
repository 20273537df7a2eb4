/// A `work-command` entry: a work type run by an external command.
public struct WorkCommandEntry: Sendable, Equatable {
    /// The item position.
    public var index: Int
    /// The work type name advertised to the mesh.
    public var workType: String
    /// The executable, resolved through `PATH`.
    public var command: String
    /// Base arguments, split with shell-like quoting.
    public var params: String?
    /// Allow a submission's `params` to be appended.
    public var allowRuntimeParams: Bool
    /// Require signed submissions (needs a `work-verification` entry).
    public var verifySignature: Bool

    /// Creates an entry with receptor defaults.
    /// - Parameters:
    ///   - index: The item position.
    ///   - workType: The work type name.
    ///   - command: The executable.
    ///   - params: Base arguments.
    ///   - allowRuntimeParams: Whether submissions may add arguments.
    ///   - verifySignature: Whether submissions must be signed.
    public init(
        index: Int,
        workType: String,
        command: String,
        params: String? = nil,
        allowRuntimeParams: Bool = false,
        verifySignature: Bool = false
    ) {
        self.index = index
        self.workType = workType
        self.command = command
        self.params = params
        self.allowRuntimeParams = allowRuntimeParams
        self.verifySignature = verifySignature
    }
}
