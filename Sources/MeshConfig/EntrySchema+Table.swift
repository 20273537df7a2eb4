extension EntrySchema {
    private static let listenerFields: [FieldSpec] = [
        FieldSpec("port", .int, required: true, help: "Local TCP port to listen on"),
        FieldSpec("bindaddr", .string, help: "Local address to bind to (default: 0.0.0.0)"),
        FieldSpec("cost", .float, help: "Connection cost (weight) (default: 1.0)"),
        FieldSpec("nodecost", .floatMap, help: "Per-node costs"),
        FieldSpec("allowedpeers", .stringList, help: "Peer node IDs to allow via this connection"),
    ]

    private static let peerFields: [FieldSpec] = [
        FieldSpec("address", .string, required: true, help: "Remote address (Host:Port) to connect to"),
        FieldSpec("redial", .bool, help: "Keep redialing on lost connection (default: true)"),
        FieldSpec("cost", .float, help: "Connection cost (weight) (default: 1.0)"),
        FieldSpec("allowedpeers", .stringList, help: "Peer node IDs to allow via this connection"),
    ]

    private static let tlsField = FieldSpec("tls", .string, help: "Name of TLS configuration to use")

    /// Every entry receptor v1 knows, in help order.
    static let all: [EntrySchema] = [
        EntrySchema(
            name: "node",
            help: "Node configuration of this instance",
            fields: [
                FieldSpec("id", .string, help: "Node ID (default: local host name)"),
                FieldSpec("datadir", .string, help: "Directory in which to store node data (default: /tmp/receptor)"),
                FieldSpec("firewallrules", .mapList, help: "Firewall rules"),
                FieldSpec("maxidleconnectiontimeout", .string, help: "Max duration with no traffic before a backend connection is dropped (min 21s)"),
                FieldSpec("receptorkubesupportreconnect", .string, help: "Accepted and ignored"),
                FieldSpec("receptorkubeclientsetqps", .string, help: "Accepted and ignored"),
                FieldSpec("receptorkubeclientsetburst", .string, help: "Accepted and ignored"),
                FieldSpec("receptorkubeclientsetratelimiter", .string, help: "Accepted and ignored"),
                FieldSpec("heartbeatinterval", .string, help: "receptord: interval between link keepalives (default: 250ms)"),
                FieldSpec("deadpeertimeout", .string, help: "receptord: silence after which a link is dead (default: 1s)"),
                FieldSpec("routelifetime", .string, help: "receptord: lifetime of a route advertisement (default: 2m0s)"),
            ],
            bareField: "id",
            singleton: true
        ),
        EntrySchema(
            name: "log-level",
            help: "Specifies the verbosity level for command output",
            fields: [FieldSpec("level", .string, help: "Log level: Error, Warning, Info or Debug (default: error)")],
            bareField: "level",
            singleton: true
        ),
        EntrySchema(name: "trace", help: "Enables packet tracing output", fields: [], singleton: true),
        EntrySchema(name: "version", help: "Show the receptord version", fields: [], exclusive: true),
        EntrySchema(
            name: "local-only",
            help: "Run a self-contained node with no backends",
            fields: [FieldSpec("local", .bool, help: "Undocumented field")],
            singleton: true
        ),
        EntrySchema(
            name: "command-runner",
            help: "Run a command (internal to Go receptor)",
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
            help: "Run a backend listener on a TCP port",
            fields: listenerFields + [tlsField],
            bareField: "port"
        ),
        EntrySchema(
            name: "tcp-peer",
            help: "Make an outbound backend connection to a TCP peer",
            fields: peerFields + [tlsField],
            bareField: "address"
        ),
        EntrySchema(
            name: "udp-listener",
            help: "Run a backend listener on a UDP port",
            fields: listenerFields,
            bareField: "port"
        ),
        EntrySchema(
            name: "udp-peer",
            help: "Make an outbound backend connection to a UDP peer",
            fields: peerFields,
            bareField: "address"
        ),
        EntrySchema(
            name: "ws-listener",
            help: "Run an http server that accepts websocket connections",
            fields: listenerFields + [
                tlsField,
                FieldSpec("path", .string, help: "URI path to the websocket server (default: /)"),
            ],
            bareField: "port"
        ),
        EntrySchema(
            name: "ws-peer",
            help: "Connect outbound to a websocket peer",
            fields: peerFields + [
                tlsField,
                FieldSpec("extraheader", .string, help: "Sends extra HTTP header on initial connection (key:value)"),
            ],
            bareField: "address"
        ),
        EntrySchema(
            name: "tls-server",
            help: "Define a TLS server configuration",
            fields: [
                FieldSpec("name", .string, required: true, help: "Name of this TLS server configuration"),
                FieldSpec("cert", .string, required: true, help: "Server certificate filename"),
                FieldSpec("key", .string, required: true, help: "Server private key filename"),
                FieldSpec("requireclientcert", .bool, help: "Require client certificates (default: false)"),
                FieldSpec("clientcas", .string, help: "Filename of CA bundle to verify client certs with"),
                FieldSpec("pinnedclientcert", .stringList, help: "Pinned fingerprint of required client certificate"),
                FieldSpec("skipreceptornamescheck", .bool, help: "Skip verifying ReceptorNames OIDs in certificate at startup (default: false)"),
                FieldSpec("mintls13", .bool, help: "Set minimum TLS version to 1.3. Otherwise the minimum is 1.2 (default: false)"),
            ]
        ),
        EntrySchema(
            name: "tls-client",
            help: "Define a TLS client configuration",
            fields: [
                FieldSpec("name", .string, required: true, help: "Name of this TLS client configuration"),
                FieldSpec("cert", .string, required: true, help: "Client certificate filename"),
                FieldSpec("key", .string, required: true, help: "Client private key filename"),
                FieldSpec("rootcas", .string, help: "Root CA bundle to use instead of system trust"),
                FieldSpec("insecureskipverify", .bool, help: "Accept any server cert (default: false)"),
                FieldSpec("pinnedservercert", .stringList, help: "Pinned fingerprint of required server certificate"),
                FieldSpec("skipreceptornamescheck", .bool, help: "If true, skip verifying ReceptorNames OIDs in certificate at startup"),
                FieldSpec("mintls13", .bool, help: "Set minimum TLS version to 1.3. Otherwise the minimum is 1.2 (default: false)"),
            ]
        ),
        EntrySchema(
            name: "control-service",
            help: "Run a control service",
            fields: [
                FieldSpec("service", .string, help: "Receptor service name to listen on (default: control)"),
                FieldSpec("filename", .string, help: "Filename of local Unix socket to bind to the service"),
                FieldSpec("permissions", .int, help: "Socket file permissions (default: 0600)"),
                FieldSpec("tls", .string, help: "TLS config to use for the mesh service listener"),
                FieldSpec("tcplisten", .string, help: "Local TCP port or host:port to bind to the control service"),
                FieldSpec("tcptls", .string, help: "TLS config to use for the TCP listener"),
            ]
        ),
        EntrySchema(
            name: "work-command",
            help: "Run a worker using an external command",
            fields: [
                FieldSpec("worktype", .string, required: true, help: "Name for this worker type"),
                FieldSpec("command", .string, required: true, help: "Command to run to process units of work"),
                FieldSpec("params", .string, help: "Command-line parameters"),
                FieldSpec("allowruntimeparams", .bool, help: "Allow users to add more parameters (default: false)"),
                FieldSpec("verifysignature", .bool, help: "Verify a signed work submission (default: false)"),
            ]
        ),
        EntrySchema(
            name: "work-kubernetes",
            help: "Run a worker using Kubernetes",
            fields: [
                FieldSpec("worktype", .string, required: true, help: "Name for this worker type"),
                FieldSpec("namespace", .string, help: "Kubernetes namespace to create pods in"),
                FieldSpec("image", .string, help: "Container image to use for the worker pod"),
                FieldSpec("command", .string, help: "Command to run in the container (overrides entrypoint)"),
                FieldSpec("params", .string, help: "Command-line parameters to pass to the entrypoint"),
                FieldSpec("authmethod", .string, help: "One of: kubeconfig, incluster, runtime (default: incluster)"),
                FieldSpec("kubeconfig", .string, help: "Kubeconfig filename (for authmethod=kubeconfig)"),
                FieldSpec("pod", .string, help: "Pod definition filename, in json or yaml format"),
                FieldSpec("allowruntimeauth", .bool, help: "Allow passing API parameters at runtime (default: false)"),
                FieldSpec("allowruntimecommand", .bool, help: "Allow specifying image & command at runtime (default: false)"),
                FieldSpec("allowruntimeparams", .bool, help: "Allow adding command parameters at runtime (default: false)"),
                FieldSpec("allowruntimepod", .bool, help: "Allow passing Pod at runtime (default: false)"),
                FieldSpec("deletepodonrestart", .bool, help: "On restart, delete the pod if in pending state (default: true)"),
                FieldSpec("streammethod", .string, help: "Method for connecting to worker pods: logger or tcp (default: logger)"),
                FieldSpec("verifysignature", .bool, help: "Verify a signed work submission (default: false)"),
            ],
            support: .unsupported("Kubernetes work types are not supported by receptord; work of this type cannot run")
        ),
        EntrySchema(
            name: "work-python",
            help: "Run a worker using a Python plugin (deprecated)",
            fields: [
                FieldSpec("worktype", .string, required: true, help: "Name for this worker type"),
                FieldSpec("plugin", .string, required: true, help: "Python module name of the worker plugin"),
                FieldSpec("function", .string, required: true, help: "Receptor-exported function to call"),
                FieldSpec("config", .map, help: "Plugin-specific configuration"),
            ],
            support: .unsupported("work-python is deprecated and not supported by receptord")
        ),
        EntrySchema(
            name: "work-signing",
            help: "Private key to sign work submissions",
            fields: [
                FieldSpec("privatekey", .string, help: "Private key to sign work submissions"),
                FieldSpec("tokenexpiration", .string, help: "Expiration of the signed json web token, e.g. 3h or 3h30m (default: 5m)"),
            ],
            bareField: "privatekey",
            singleton: true
        ),
        EntrySchema(
            name: "work-verification",
            help: "Public key to verify signed work submissions",
            fields: [FieldSpec("publickey", .string, help: "Public key to verify signed work submissions")],
            bareField: "publickey",
            singleton: true
        ),
        EntrySchema(
            name: "tcp-server",
            help: "Listen for TCP and forward via Receptor",
            fields: [
                FieldSpec("port", .int, required: true, help: "Local TCP port to bind to"),
                FieldSpec("bindaddr", .string, help: "Address to bind TCP listener to (default: 0.0.0.0)"),
                FieldSpec("remotenode", .string, required: true, help: "Receptor node to connect to"),
                FieldSpec("remoteservice", .string, required: true, help: "Receptor service name to connect to"),
                FieldSpec("tlsserver", .string, help: "Name of TLS server config for the TCP listener"),
                FieldSpec("tlsclient", .string, help: "Name of TLS client config for the Receptor connection"),
            ]
        ),
        EntrySchema(
            name: "tcp-client",
            help: "Listen on a Receptor service and forward via TCP",
            fields: [
                FieldSpec("service", .string, required: true, help: "Receptor service name to bind to"),
                FieldSpec("address", .string, required: true, help: "Address for outbound TCP connection"),
                FieldSpec("tlsserver", .string, help: "Name of TLS server config for the Receptor service"),
                FieldSpec("tlsclient", .string, help: "Name of TLS client config for the TCP connection"),
            ]
        ),
        EntrySchema(
            name: "udp-server",
            help: "Listen for UDP and forward via Receptor",
            fields: [
                FieldSpec("port", .int, required: true, help: "Local UDP port to bind to"),
                FieldSpec("bindaddr", .string, help: "Address to bind UDP listener to (default: 0.0.0.0)"),
                FieldSpec("remotenode", .string, required: true, help: "Receptor node to connect to"),
                FieldSpec("remoteservice", .string, required: true, help: "Receptor service name to connect to"),
            ],
            support: .unsupported("udp-server is not supported by receptord")
        ),
        EntrySchema(
            name: "udp-client",
            help: "Listen on a Receptor service and forward via UDP",
            fields: [
                FieldSpec("service", .string, required: true, help: "Receptor service name to bind to"),
                FieldSpec("address", .string, required: true, help: "Address for outbound UDP connection"),
            ],
            support: .unsupported("udp-client is not supported by receptord")
        ),
        EntrySchema(
            name: "unix-socket-server",
            help: "Listen on a Unix socket and forward via Receptor",
            fields: [
                FieldSpec("filename", .string, required: true, help: "Socket filename, which will be overwritten"),
                FieldSpec("permissions", .int, help: "Socket file permissions (default: 0600)"),
                FieldSpec("remotenode", .string, required: true, help: "Receptor node to connect to"),
                FieldSpec("remoteservice", .string, required: true, help: "Receptor service name to connect to"),
                FieldSpec("tls", .string, help: "Name of TLS client config for the Receptor connection"),
            ],
            support: .unsupported("unix-socket-server is not supported by receptord")
        ),
        EntrySchema(
            name: "unix-socket-client",
            help: "Listen via Receptor and forward to a Unix socket",
            fields: [
                FieldSpec("service", .string, required: true, help: "Receptor service name to bind to"),
                FieldSpec("filename", .string, required: true, help: "Socket filename, which must already exist"),
                FieldSpec("tls", .string, help: "Name of TLS server config for the Receptor connection"),
            ],
            support: .unsupported("unix-socket-client is not supported by receptord")
        ),
        EntrySchema(
            name: "command-service",
            help: "Run an interactive command via a Receptor service",
            fields: [
                FieldSpec("service", .string, required: true, help: "Receptor service name to bind to"),
                FieldSpec("command", .string, required: true, help: "Command to execute on a connection"),
                FieldSpec("tls", .string, help: "Name of TLS server config"),
            ],
            support: .unsupported("command-service is not supported by receptord")
        ),
        EntrySchema(
            name: "ip-router",
            help: "Run an IP router using a tun interface",
            fields: [
                FieldSpec("networkname", .string, required: true, help: "Name of this network and service"),
                FieldSpec("interface", .string, help: "Name of the local tun interface"),
                FieldSpec("localnet", .string, required: true, help: "Local /30 CIDR address"),
                FieldSpec("routes", .string, help: "Comma separated list of CIDR subnets to advertise"),
            ],
            support: .unsupported("ip-router is not supported by receptord")
        ),
        EntrySchema(
            name: "cert-init",
            help: "Initialize PKI CA",
            fields: [
                FieldSpec("commonname", .string, required: true, help: "Common name to assign to the certificate"),
                FieldSpec("bits", .int, required: true, help: "Bit length of the encryption keys of the certificate"),
                FieldSpec("notbefore", .string, help: "Effective (NotBefore) date/time, in RFC3339 format"),
                FieldSpec("notafter", .string, help: "Expiration (NotAfter) date/time, in RFC3339 format"),
                FieldSpec("outcert", .string, required: true, help: "File to save the CA certificate to"),
                FieldSpec("outkey", .string, required: true, help: "File to save the CA private key to"),
            ],
            exclusive: true
        ),
        EntrySchema(
            name: "cert-makereq",
            help: "Create certificate request",
            fields: [
                FieldSpec("commonname", .string, required: true, help: "Common name to assign to the certificate"),
                FieldSpec("bits", .int, help: "Bit length of the encryption keys of the certificate"),
                FieldSpec("dnsname", .stringList, help: "DNS names to add to the certificate"),
                FieldSpec("ipaddress", .stringList, help: "IP addresses to add to the certificate"),
                FieldSpec("nodeid", .stringList, help: "Receptor node IDs to add to the certificate"),
                FieldSpec("outreq", .string, required: true, help: "File to save the certificate request to"),
                FieldSpec("inkey", .string, help: "Private key to use for the request"),
                FieldSpec("outkey", .string, help: "File to save the private key to (new key will be generated)"),
            ],
            exclusive: true
        ),
        EntrySchema(
            name: "cert-signreq",
            help: "Sign request and produce certificate",
            fields: [
                FieldSpec("req", .string, required: true, help: "Certificate Request PEM filename"),
                FieldSpec("cacert", .string, required: true, help: "CA certificate PEM filename"),
                FieldSpec("cakey", .string, required: true, help: "CA private key PEM filename"),
                FieldSpec("notbefore", .string, help: "Effective (NotBefore) date/time, in RFC3339 format"),
                FieldSpec("notafter", .string, help: "Expiration (NotAfter) date/time, in RFC3339 format"),
                FieldSpec("outcert", .string, required: true, help: "File to save the signed certificate to"),
                FieldSpec("verify", .bool, help: "If true, do not prompt the user for verification (default: false)"),
            ],
            exclusive: true
        ),
    ]
}
