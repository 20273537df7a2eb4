extension EntrySchema {
    private static let listenerFields: [FieldSpec] = [
        FieldSpec("port", .int, required: true, help: "Port to listen on"),
        FieldSpec("bindaddr", .string, help: "Bind address (default: 0.0.0.0)"),
        FieldSpec("cost", .float, help: "Link cost, greater than 0 (default: 1.0)"),
        FieldSpec("nodecost", .floatMap, help: "Cost per remote node ID, each greater than 0"),
        FieldSpec("allowedpeers", .stringList, help: "Node IDs allowed on this link (default: any)"),
    ]

    private static let peerFields: [FieldSpec] = [
        FieldSpec("address", .string, required: true, help: "Address to dial"),
        FieldSpec("redial", .bool, help: "Reconnect after failure (default: true)"),
        FieldSpec("cost", .float, help: "Link cost, greater than 0 (default: 1.0)"),
        FieldSpec("allowedpeers", .stringList, help: "Node IDs allowed on this link (default: any)"),
    ]

    private static let tlsField = FieldSpec("tls", .string, help: "TLS configuration name")

    /// Every entry receptor v1 knows, in help order.
    static let all: [EntrySchema] = [
        EntrySchema(
            name: "node",
            help: "Identity and storage of this node",
            fields: [
                FieldSpec("id", .string, help: "Node ID (default: the host name)"),
                FieldSpec("datadir", .string, help: "Directory in which to store node data (default: /tmp/receptor)"),
                FieldSpec("firewallrules", .mapList, help: "Ordered firewall rules (action, fromnode, tonode, fromservice, toservice)"),
                FieldSpec("maxidleconnectiontimeout", .string, help: "Idle time before a backend link is redialled, at least 21s"),
                FieldSpec("receptorkubesupportreconnect", .string, help: "Accepted for compatibility; ignored"),
                FieldSpec("receptorkubeclientsetqps", .string, help: "Accepted for compatibility; ignored"),
                FieldSpec("receptorkubeclientsetburst", .string, help: "Accepted for compatibility; ignored"),
                FieldSpec("receptorkubeclientsetratelimiter", .string, help: "Accepted for compatibility; ignored"),
                FieldSpec("heartbeatinterval", .string, help: "receptord extension: link keepalive interval (default: 400ms)"),
                FieldSpec("deadpeertimeout", .string, help: "receptord extension: link silence that counts as dead (default: 1.2s)"),
                FieldSpec("routelifetime", .string, help: "receptord extension: route advertisement lifetime (default: 2m0s)"),
            ],
            bareField: "id",
            singleton: true
        ),
        EntrySchema(
            name: "log-level",
            help: "Logging verbosity",
            fields: [
                FieldSpec("level", .string, help: "error, warning, info or debug (default: error)"),
                FieldSpec("format", .string, help: "receptord extension: text (default) or json, one JSON object per line"),
            ],
            bareField: "level",
            singleton: true
        ),
        EntrySchema(name: "trace", help: "Enables packet tracing output", fields: [], singleton: true),
        EntrySchema(
            name: "metrics",
            help: "receptord extension: Prometheus metrics over HTTP (GET /metrics)",
            fields: [
                FieldSpec("port", .int, required: true, help: "TCP port"),
                FieldSpec("bindaddr", .string, help: "Address to listen on (default: 127.0.0.1)"),
            ],
            bareField: "port",
            singleton: true
        ),
        EntrySchema(name: "version", help: "Print the version and exit", fields: [], exclusive: true),
        EntrySchema(
            name: "local-only",
            help: "A backend that connects to nothing",
            fields: [FieldSpec("local", .bool, help: "Unused")],
            singleton: true
        ),
        EntrySchema(
            name: "command-runner",
            help: "Internal to Go receptor",
            fields: [
                FieldSpec("command", .string, required: true),
                FieldSpec("params", .string, required: true),
                FieldSpec("unitdir", .string, required: true),
            ],
            hidden: true,
            support: .unsupported("command-runner is internal to Go receptor and is not used by receptord")
        ),
        EntrySchema(
            name: "tcp-listener",
            help: "Accept backend links on a TCP port",
            fields: listenerFields + [tlsField],
            bareField: "port"
        ),
        EntrySchema(
            name: "tcp-peer",
            help: "Dial a backend link over TCP",
            fields: peerFields + [tlsField],
            bareField: "address"
        ),
        EntrySchema(
            name: "udp-listener",
            help: "Accept backend links on a UDP port",
            fields: listenerFields,
            bareField: "port"
        ),
        EntrySchema(
            name: "udp-peer",
            help: "Dial a backend link over UDP",
            fields: peerFields,
            bareField: "address"
        ),
        EntrySchema(
            name: "ws-listener",
            help: "Accept backend links over WebSocket",
            fields: listenerFields + [
                tlsField,
                FieldSpec("path", .string, help: "HTTP path of the WebSocket endpoint (default: /)"),
            ],
            bareField: "port"
        ),
        EntrySchema(
            name: "ws-peer",
            help: "Connect outbound to a websocket peer",
            fields: peerFields + [
                tlsField,
                FieldSpec("extraheader", .string, help: "Extra Name:value header for the upgrade request"),
            ],
            bareField: "address"
        ),
        EntrySchema(
            name: "tls-server",
            help: "Define a TLS server configuration",
            fields: [
                FieldSpec("name", .string, required: true, help: "Name other entries refer to"),
                FieldSpec("cert", .string, required: true, help: "PEM certificate file"),
                FieldSpec("key", .string, required: true, help: "PEM private key file"),
                FieldSpec("requireclientcert", .bool, help: "Clients must present a certificate (default: false)"),
                FieldSpec("clientcas", .string, help: "PEM CA bundle for client certificates"),
                FieldSpec("pinnedclientcert", .stringList, help: "Accepted client leaf fingerprints (SHA-256/512 hex)"),
                FieldSpec("skipreceptornamescheck", .bool, help: "Skip the startup node-ID check of cert (default: false)"),
                FieldSpec("mintls13", .bool, help: "Require TLS 1.3 rather than 1.2 (default: false)"),
            ]
        ),
        EntrySchema(
            name: "tls-client",
            help: "Define a TLS client configuration",
            fields: [
                FieldSpec("name", .string, required: true, help: "Name other entries refer to"),
                FieldSpec("cert", .string, required: true, help: "Client certificate filename"),
                FieldSpec("key", .string, required: true, help: "Client private key filename"),
                FieldSpec("rootcas", .string, help: "PEM CA bundle for server certificates (default: system roots)"),
                FieldSpec("insecureskipverify", .bool, help: "Accept any server cert (default: false)"),
                FieldSpec("pinnedservercert", .stringList, help: "Accepted server leaf fingerprints (SHA-256/512 hex)"),
                FieldSpec("skipreceptornamescheck", .bool, help: "Skip the startup node-ID check of cert (default: false)"),
                FieldSpec("mintls13", .bool, help: "Require TLS 1.3 rather than 1.2 (default: false)"),
            ]
        ),
        EntrySchema(
            name: "control-service",
            help: "Control protocol listener",
            fields: [
                FieldSpec("service", .string, help: "Mesh service name, \"\" for none (default: control)"),
                FieldSpec("filename", .string, help: "Unix socket path"),
                FieldSpec("permissions", .int, help: "Mode of the socket file (default: 0600)"),
                FieldSpec("tls", .string, help: "tls-server for the mesh service"),
                FieldSpec("tcplisten", .string, help: "PORT or HOST:PORT for a TCP listener"),
                FieldSpec("tcptls", .string, help: "tls-server for the TCP listener"),
            ]
        ),
        EntrySchema(
            name: "work-command",
            help: "Work type run by a local command",
            fields: [
                FieldSpec("worktype", .string, required: true, help: "Work type name"),
                FieldSpec("command", .string, required: true, help: "Command to run to process units of work"),
                FieldSpec("params", .string, help: "Command-line parameters"),
                FieldSpec("allowruntimeparams", .bool, help: "Allow users to add more parameters (default: false)"),
                FieldSpec("verifysignature", .bool, help: "Only accept signed submissions (default: false)"),
            ]
        ),
        EntrySchema(
            name: "work-kubernetes",
            help: "Work type run as a Kubernetes pod",
            fields: [
                FieldSpec("worktype", .string, required: true, help: "Work type name"),
                FieldSpec("namespace", .string, help: "Namespace for worker pods"),
                FieldSpec("image", .string, help: "Container image to use for the worker pod"),
                FieldSpec("command", .string, help: "Command to run in the container (overrides entrypoint)"),
                FieldSpec("params", .string, help: "Command-line parameters to pass to the entrypoint"),
                FieldSpec("authmethod", .string, help: "kubeconfig, incluster or runtime (default: incluster)"),
                FieldSpec("kubeconfig", .string, help: "Kubeconfig file (authmethod kubeconfig only)"),
                FieldSpec("pod", .string, help: "Pod spec file (JSON or YAML)"),
                FieldSpec("allowruntimeauth", .bool, help: "Allow passing API parameters at runtime (default: false)"),
                FieldSpec("allowruntimecommand", .bool, help: "Allow specifying image & command at runtime (default: false)"),
                FieldSpec("allowruntimeparams", .bool, help: "Allow adding command parameters at runtime (default: false)"),
                FieldSpec("allowruntimepod", .bool, help: "Allow passing Pod at runtime (default: false)"),
                FieldSpec("deletepodonrestart", .bool, help: "Delete pending pods on restart (default: true)"),
                FieldSpec("streammethod", .string, help: "logger or tcp (default: logger)"),
                FieldSpec("verifysignature", .bool, help: "Only accept signed submissions (default: false)"),
            ],
            support: .unsupported("Kubernetes work types are not supported by receptord; work of this type cannot run")
        ),
        EntrySchema(
            name: "work-python",
            help: "Work type run by a Python plugin (deprecated)",
            fields: [
                FieldSpec("worktype", .string, required: true, help: "Work type name"),
                FieldSpec("plugin", .string, required: true, help: "Python module of the plugin"),
                FieldSpec("function", .string, required: true, help: "Plugin function to call"),
                FieldSpec("config", .map, help: "Plugin settings"),
            ],
            support: .unsupported("work-python is deprecated and not supported by receptord")
        ),
        EntrySchema(
            name: "work-signing",
            help: "Private key file for signing submissions",
            fields: [
                FieldSpec("privatekey", .string, help: "Private key file for signing submissions"),
                FieldSpec("tokenexpiration", .string, help: "Expiration of the signed json web token, e.g. 3h or 3h30m (default: 5m)"),
            ],
            bareField: "privatekey",
            singleton: true
        ),
        EntrySchema(
            name: "work-verification",
            help: "Public key file for checking signed submissions",
            fields: [FieldSpec("publickey", .string, help: "Public key file for checking signed submissions")],
            bareField: "publickey",
            singleton: true
        ),
        EntrySchema(
            name: "tcp-server",
            help: "Forward a local TCP port to a mesh service",
            fields: [
                FieldSpec("port", .int, required: true, help: "Local TCP port"),
                FieldSpec("bindaddr", .string, help: "Address to bind TCP listener to (default: 0.0.0.0)"),
                FieldSpec("remotenode", .string, required: true, help: "Node to dial over the mesh"),
                FieldSpec("remoteservice", .string, required: true, help: "Mesh service to dial on the remote node"),
                FieldSpec("tlsserver", .string, help: "tls-server for the TCP listener"),
                FieldSpec("tlsclient", .string, help: "tls-client for the mesh connection"),
            ]
        ),
        EntrySchema(
            name: "tcp-client",
            help: "Forward a mesh service to a TCP address",
            fields: [
                FieldSpec("service", .string, required: true, help: "Mesh service name this entry listens on"),
                FieldSpec("address", .string, required: true, help: "Address for outbound TCP connection"),
                FieldSpec("tlsserver", .string, help: "tls-server for the mesh service"),
                FieldSpec("tlsclient", .string, help: "tls-client for the TCP connection"),
            ]
        ),
        EntrySchema(
            name: "udp-server",
            help: "Forward a local UDP port to a mesh service",
            fields: [
                FieldSpec("port", .int, required: true, help: "Local UDP port"),
                FieldSpec("bindaddr", .string, help: "Address to bind UDP listener to (default: 0.0.0.0)"),
                FieldSpec("remotenode", .string, required: true, help: "Node to dial over the mesh"),
                FieldSpec("remoteservice", .string, required: true, help: "Mesh service to dial on the remote node"),
            ]
        ),
        EntrySchema(
            name: "udp-client",
            help: "Forward a mesh service to a UDP address",
            fields: [
                FieldSpec("service", .string, required: true, help: "Mesh service name this entry listens on"),
                FieldSpec("address", .string, required: true, help: "Address for outbound UDP connection"),
            ]
        ),
        EntrySchema(
            name: "unix-socket-server",
            help: "Forward a Unix socket to a mesh service",
            fields: [
                FieldSpec("filename", .string, required: true, help: "Unix socket path (replaced if it exists)"),
                FieldSpec("permissions", .int, help: "Mode of the socket file (default: 0600)"),
                FieldSpec("remotenode", .string, required: true, help: "Node to dial over the mesh"),
                FieldSpec("remoteservice", .string, required: true, help: "Mesh service to dial on the remote node"),
                FieldSpec("tls", .string, help: "tls-client for the mesh connection"),
            ],
        ),
        EntrySchema(
            name: "unix-socket-client",
            help: "Forward a mesh service to a Unix socket",
            fields: [
                FieldSpec("service", .string, required: true, help: "Mesh service name this entry listens on"),
                FieldSpec("filename", .string, required: true, help: "Existing Unix socket path"),
                FieldSpec("tls", .string, help: "tls-server for the mesh service"),
            ],
        ),
        EntrySchema(
            name: "command-service",
            help: "Serve a command in a PTY on a mesh service",
            fields: [
                FieldSpec("service", .string, required: true, help: "Mesh service name this entry listens on"),
                FieldSpec("command", .string, required: true, help: "Command to execute on a connection"),
                FieldSpec("tls", .string, help: "tls-server for the mesh service"),
            ]
        ),
        EntrySchema(
            name: "ip-router",
            help: "Route IP over the mesh through a TUN device",
            fields: [
                FieldSpec("networkname", .string, required: true, help: "Network and service name"),
                FieldSpec("interface", .string, help: "TUN device name"),
                FieldSpec("localnet", .string, required: true, help: "Local IPv4 /30 network"),
                FieldSpec("routes", .string, help: "Comma separated list of CIDR subnets to advertise"),
            ],
            support: .unsupported("ip-router is not supported by receptord")
        ),
        EntrySchema(
            name: "cert-init",
            help: "Create a CA certificate and key",
            fields: [
                FieldSpec("commonname", .string, required: true, help: "Certificate common name"),
                FieldSpec("bits", .int, required: true, help: "RSA key size in bits"),
                FieldSpec("notbefore", .string, help: "Start of validity, RFC 3339"),
                FieldSpec("notafter", .string, help: "End of validity, RFC 3339"),
                FieldSpec("outcert", .string, required: true, help: "File to save the CA certificate to"),
                FieldSpec("outkey", .string, required: true, help: "File to save the CA private key to"),
            ],
            exclusive: true
        ),
        EntrySchema(
            name: "cert-makereq",
            help: "Create certificate request",
            fields: [
                FieldSpec("commonname", .string, required: true, help: "Certificate common name"),
                FieldSpec("bits", .int, help: "RSA key size in bits"),
                FieldSpec("dnsname", .stringList, help: "DNS names to add to the certificate"),
                FieldSpec("ipaddress", .stringList, help: "IP address SANs"),
                FieldSpec("nodeid", .stringList, help: "Node IDs to embed as otherName SANs"),
                FieldSpec("outreq", .string, required: true, help: "File to save the certificate request to"),
                FieldSpec("inkey", .string, help: "Existing private key file"),
                FieldSpec("outkey", .string, help: "Output file for a newly generated key"),
            ],
            exclusive: true
        ),
        EntrySchema(
            name: "cert-signreq",
            help: "Sign a certificate request with a CA",
            fields: [
                FieldSpec("req", .string, required: true, help: "Certificate Request PEM filename"),
                FieldSpec("cacert", .string, required: true, help: "CA certificate PEM filename"),
                FieldSpec("cakey", .string, required: true, help: "CA private key PEM filename"),
                FieldSpec("notbefore", .string, help: "Start of validity, RFC 3339"),
                FieldSpec("notafter", .string, help: "End of validity, RFC 3339"),
                FieldSpec("outcert", .string, required: true, help: "Output certificate file"),
                FieldSpec("verify", .bool, help: "Sign without asking for confirmation (default: false)"),
            ],
            exclusive: true
        ),
    ]
}
