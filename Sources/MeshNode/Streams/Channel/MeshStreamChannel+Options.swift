import NIOCore

/// Options a mesh stream channel understands: `autoRead` and `allowRemoteHalfClosure`. Others
/// fail with `ChannelError.operationUnsupported`.
extension MeshStreamChannel {
    func setOption<Option: ChannelOption>(_ option: Option, value: Option.Value) -> EventLoopFuture<Void> {
        if eventLoop.inEventLoop {
            return eventLoop.makeCompletedFuture { try setOption0(option, value: value) }
        }
        return eventLoop.submit { try self.setOption0(option, value: value) }
    }

    func getOption<Option: ChannelOption>(_ option: Option) -> EventLoopFuture<Option.Value> {
        if eventLoop.inEventLoop {
            return eventLoop.makeCompletedFuture { try getOption0(option) }
        }
        return eventLoop.submit { try self.getOption0(option) }
    }

    var syncOptions: (any NIOSynchronousChannelOptions)? { SynchronousOptions(channel: self) }

    func setOption0<Option: ChannelOption>(_ option: Option, value: Option.Value) throws {
        eventLoop.preconditionInEventLoop()
        switch option {
        case is ChannelOptions.Types.AutoReadOption:
            guard let on = value as? Bool else { throw ChannelError.operationUnsupported }
            let wasOn = autoRead
            autoRead = on
            if on && !wasOn && state == .active { pipeline.read() }
        case is ChannelOptions.Types.AllowRemoteHalfClosureOption:
            guard let on = value as? Bool else { throw ChannelError.operationUnsupported }
            allowRemoteHalfClosure = on
        default:
            throw ChannelError.operationUnsupported
        }
    }

    func getOption0<Option: ChannelOption>(_ option: Option) throws -> Option.Value {
        eventLoop.preconditionInEventLoop()
        let value: Any
        switch option {
        case is ChannelOptions.Types.AutoReadOption: value = autoRead
        case is ChannelOptions.Types.AllowRemoteHalfClosureOption: value = allowRemoteHalfClosure
        default: throw ChannelError.operationUnsupported
        }
        guard let typed = value as? Option.Value else { throw ChannelError.operationUnsupported }
        return typed
    }

    private struct SynchronousOptions: NIOSynchronousChannelOptions {
        let channel: MeshStreamChannel

        func setOption<Option: ChannelOption>(_ option: Option, value: Option.Value) throws {
            try channel.setOption0(option, value: value)
        }

        func getOption<Option: ChannelOption>(_ option: Option) throws -> Option.Value {
            try channel.getOption0(option)
        }
    }
}
