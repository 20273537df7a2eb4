import Foundation
import NIOConcurrencyHelpers
import MeshConfig
import NIOCore
import NIOSSL
import X509

/// A loaded TLS configuration: the NIOSSL context plus our own chain verifier (nil when the entry
/// does not verify the peer at all).
///
/// A reference: connections read the current material when they start, and a certificate
/// rotation swaps it in place (``replace(with:)``), so new links use the new certificate while
/// established ones carry on with the one they were made with.
final class TLSSetup: Sendable {
    struct Material: Sendable {
        var context: NIOSSLContext
        var verifier: CertificateVerifier?
        /// Whether the peer's certificate must name the node it claims to be.
        var checkNodeIDs: Bool
    }

    let name: String
    private let material: NIOLockedValueBox<Material>

    init(name: String, context: NIOSSLContext, verifier: CertificateVerifier?, checkNodeIDs: Bool) {
        self.name = name
        self.material = NIOLockedValueBox(Material(context: context, verifier: verifier, checkNodeIDs: checkNodeIDs))
    }

    var context: NIOSSLContext { material.withLockedValue { $0.context } }
    var verifier: CertificateVerifier? { material.withLockedValue { $0.verifier } }
    var checkNodeIDs: Bool { material.withLockedValue { $0.checkNodeIDs } }

    /// Takes the material of a freshly loaded setup of the same entry.
    func replace(with other: TLSSetup) {
        let new = other.material.withLockedValue { $0 }
        material.withLockedValue { $0 = new }
    }
}

/// Every `tls-server` and `tls-client` of the configuration, loaded and checked at startup.
struct TLSRegistry: Sendable {
    private(set) var servers: [String: TLSSetup] = [:]
    private(set) var clients: [String: TLSSetup] = [:]

    static let systemRootsPath = "/etc/ssl/certs/ca-certificates.crt"

    init() {}

    /// Every certificate, key and CA file the entries use (watched for rotation).
    static func files(of config: ReceptorConfig) -> [String] {
        var paths: [String] = []
        for e in config.tlsServers { paths += [e.cert, e.key] + (e.clientCAs.map { [$0] } ?? []) }
        for e in config.tlsClients { paths += [e.cert, e.key] + (e.rootCAs.map { [$0] } ?? []) }
        return Array(Set(paths.filter { !$0.isEmpty })).sorted()
    }

    /// Swaps in the material of `fresh` (a registry loaded again from the same configuration).
    func adopt(_ fresh: TLSRegistry) {
        for (name, setup) in fresh.servers { servers[name]?.replace(with: setup) }
        for (name, setup) in fresh.clients { clients[name]?.replace(with: setup) }
    }

    /// Loads all entries; any unreadable file or failed node-ID check is an error naming the entry.
    init(config: ReceptorConfig, localNode: String) throws {
        for entry in config.tlsServers {
            servers[entry.name] = try Self.loadServer(entry, localNode: localNode)
        }
        for entry in config.tlsClients {
            clients[entry.name] = try Self.loadClient(entry, localNode: localNode)
        }
    }

    private static func fail(_ kind: String, _ name: String, _ message: String) -> ConfigError {
        ConfigError(entry: kind, index: nil, field: nil, message: "\(name): \(message)")
    }

    static func loadCertificates(_ path: String, kind: String, name: String) throws -> [NIOSSLCertificate] {
        do {
            let certs = try NIOSSLCertificate.fromPEMFile(path)
            guard !certs.isEmpty else { throw fail(kind, name, "no certificates in \(path)") }
            return certs
        } catch let e as ConfigError {
            throw e
        } catch {
            throw fail(kind, name, "cannot load certificate file \(path): \(error)")
        }
    }

    static func loadKey(_ path: String, kind: String, name: String) throws -> NIOSSLPrivateKey {
        do {
            return try NIOSSLPrivateKey(file: path, format: .pem)
        } catch {
            throw fail(kind, name, "cannot load key file \(path): \(error)")
        }
    }

    static func parsePins(_ texts: [String], kind: String, name: String) throws -> [[UInt8]] {
        try texts.map { text in
            guard let pin = CertificateVerifier.parsePin(text) else {
                throw ConfigError(entry: kind, index: nil, field: "pinned", message: "\(name): invalid fingerprint \(text)")
            }
            return pin
        }
    }

    static func loadRoots(_ path: String, kind: String, name: String) throws -> [Certificate] {
        try loadCertificates(path, kind: kind, name: name).map { try Certificate(derEncoded: $0.toDERBytes()) }
    }

    /// Receptor's startup check: our own certificate must name our node ID.
    static func checkOwnName(_ chain: [NIOSSLCertificate], localNode: String, kind: String, name: String, path: String)
        throws
    {
        let leaf = try Certificate(derEncoded: chain[0].toDERBytes())
        let names: [String]
        do {
            names = try ReceptorNodeIDs.nodeIDs(in: leaf)
        } catch {
            throw ConfigError(entry: kind, index: nil, field: "cert", message: "\(error); cfg section=\(name); server cert=\(path)")
        }
        guard names.contains(localNode) else {
            throw ConfigError(
                entry: kind,
                index: nil,
                field: "cert",
                message:
                    "nodeID=\(localNode) not found in certificate name(s); names found=\(names); cfg section=\(name); server cert=\(path)"
            )
        }
    }

    /// The common tail of both entry kinds: build the NIOSSL context and the setup.
    private static func setup(
        kind: String,
        name: String,
        _ tls: TLSConfiguration,
        verifier: CertificateVerifier?,
        skipNamesCheck: Bool
    ) throws -> TLSSetup {
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw fail(kind, name, "invalid TLS configuration: \(error)")
        }
        return TLSSetup(name: name, context: context, verifier: verifier, checkNodeIDs: verifier != nil && !skipNamesCheck)
    }

    /// Loads a verifier for `rootsPath` (system roots when nil) with the entry's pins.
    private static func verifier(rootsPath: String?, pins: [String], kind: String, name: String) throws -> CertificateVerifier {
        CertificateVerifier(
            roots: try loadRoots(rootsPath ?? systemRootsPath, kind: kind, name: name),
            describe: name,
            pins: try parsePins(pins, kind: kind, name: name)
        )
    }

    static func loadServer(_ e: TLSServerEntry, localNode: String) throws -> TLSSetup {
        let kind = "tls-server"
        let chain = try loadCertificates(e.cert, kind: kind, name: e.name)
        let key = try loadKey(e.key, kind: kind, name: e.name)
        if !e.skipReceptorNamesCheck {
            try checkOwnName(chain, localNode: localNode, kind: kind, name: e.name, path: e.cert)
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        tls.minimumTLSVersion = e.minTLS13 ? .tlsv13 : .tlsv12
        var verifier: CertificateVerifier?
        if e.requireClientCert || e.clientCAs != nil {
            verifier = try Self.verifier(rootsPath: e.clientCAs, pins: e.pinnedClientCert, kind: kind, name: e.name)
            tls.certificateVerification = .noHostnameVerification
        } else {
            tls.certificateVerification = .none
        }
        return try setup(kind: kind, name: e.name, tls, verifier: verifier, skipNamesCheck: e.skipReceptorNamesCheck)
    }

    static func loadClient(_ e: TLSClientEntry, localNode: String) throws -> TLSSetup {
        let kind = "tls-client"
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = e.minTLS13 ? .tlsv13 : .tlsv12
        if !e.cert.isEmpty {
            let chain = try loadCertificates(e.cert, kind: kind, name: e.name)
            let key = try loadKey(e.key, kind: kind, name: e.name)
            if !e.skipReceptorNamesCheck {
                try checkOwnName(chain, localNode: localNode, kind: kind, name: e.name, path: e.cert)
            }
            tls.certificateChain = chain.map { .certificate($0) }
            tls.privateKey = .privateKey(key)
        }
        var verifier: CertificateVerifier?
        if e.insecureSkipVerify {
            tls.certificateVerification = .none
        } else {
            verifier = try Self.verifier(rootsPath: e.rootCAs, pins: e.pinnedServerCert, kind: kind, name: e.name)
            tls.certificateVerification = .noHostnameVerification
        }
        return try setup(kind: kind, name: e.name, tls, verifier: verifier, skipNamesCheck: e.skipReceptorNamesCheck)
    }
}
