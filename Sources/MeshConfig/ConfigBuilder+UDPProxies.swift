extension ConfigBuilder {
    /// `udp-server`: a port in 0...65535 and a non-empty target node and service.
    static func makeUDPServer(_ fields: ItemFields) throws(ConfigError) -> UDPServerEntry {
        let entry = UDPServerEntry(
            index: fields.index,
            port: try fields.port(),
            bindAddr: fields.nonEmptyString("bindaddr") ?? "0.0.0.0",
            remoteNode: fields.string("remotenode") ?? "",
            remoteService: fields.string("remoteservice") ?? ""
        )
        if entry.remoteNode.isEmpty {
            throw fields.error("remotenode", "must not be empty")
        }
        if entry.remoteService.isEmpty {
            throw fields.error("remoteservice", "must not be empty")
        }
        return entry
    }

    /// `udp-client`: a non-empty service and an address of the form `host:port`.
    static func makeUDPClient(_ fields: ItemFields) throws(ConfigError) -> UDPClientEntry {
        let entry = UDPClientEntry(
            index: fields.index,
            service: fields.string("service") ?? "",
            address: fields.string("address") ?? ""
        )
        if entry.service.isEmpty {
            throw fields.error("service", "must not be empty")
        }
        guard entry.hostAndPort != nil else {
            throw fields.error(
                "address",
                "invalid UDP address \(ConfigValue.quoted(entry.address)): expected host:port with a port in 1-65535"
            )
        }
        return entry
    }
}
