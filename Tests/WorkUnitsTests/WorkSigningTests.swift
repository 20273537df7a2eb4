import Foundation
import JWTKit
import Testing

@testable import WorkUnits

/// RSA key files made with the `openssl` command line, once per test run.
final class KeyFiles: Sendable {
    let directory: TemporaryDirectory
    /// PKCS#1 `RSA PRIVATE KEY`.
    let pkcs1: String
    /// PKCS#8 `PRIVATE KEY` of the same key.
    let pkcs8: String
    /// PKIX `PUBLIC KEY` of the same key.
    let publicKey: String
    /// A different key pair.
    let otherPrivate: String
    let otherPublic: String
    /// An OpenSSH-format private key (not PEM RSA).
    let openSSH: String
    /// A file that is not a key at all.
    let garbage: String

    static let shared: KeyFiles? = try? KeyFiles()

    private init() throws {
        directory = try TemporaryDirectory()
        pkcs1 = directory.file("signing-pkcs1.pem")
        pkcs8 = directory.file("signing-pkcs8.pem")
        publicKey = directory.file("verifying.pem")
        otherPrivate = directory.file("other.pem")
        otherPublic = directory.file("other-public.pem")
        openSSH = directory.file("id_rsa")
        garbage = directory.file("garbage.pem")
        try Self.openssl(["genrsa", "-traditional", "-out", pkcs1, "2048"])
        try Self.openssl(["pkcs8", "-topk8", "-nocrypt", "-in", pkcs1, "-out", pkcs8])
        try Self.openssl(["rsa", "-in", pkcs1, "-pubout", "-out", publicKey])
        try Self.openssl(["genrsa", "-out", otherPrivate, "2048"])
        try Self.openssl(["rsa", "-in", otherPrivate, "-pubout", "-out", otherPublic])
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen") {
            try run("/usr/bin/ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", openSSH])
        }
        if !FileManager.default.fileExists(atPath: openSSH) {
            let text = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n-----END OPENSSH PRIVATE KEY-----\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: openSSH))
        }
        try Data("not a key\n".utf8).write(to: URL(fileURLWithPath: garbage))
        // A static is never released, so delete the keys when the test process exits.
        atexit { KeyFiles.removeDirectory() }
    }

    private static func removeDirectory() {
        if let path = shared?.directory.path { try? FileManager.default.removeItem(atPath: path) }
    }

    static func openssl(_ arguments: [String]) throws {
        let result = try run("/usr/bin/openssl", arguments)
        guard result.status == 0 else { throw WorkUnitError(.fileSystem, "openssl \(arguments) failed") }
    }
}

@Suite(.enabled(if: KeyFiles.shared != nil, "needs the openssl command"))
struct WorkSigningTests {
    let keys = KeyFiles.shared!

    /// The decoded JSON of a token's header or payload.
    static func part(_ token: String, _ index: Int) throws -> WorkJSON {
        var text = String(token.split(separator: ".")[index])
        text = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.utf8.count % 4 != 0 { text += "=" }
        return try WorkJSON.parse(try #require(Data(base64Encoded: text)))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A token signed by JWTKit with any algorithm and claims, bypassing ``WorkSigner``.
    func foreignToken(_ claims: WorkClaims, algorithm: String, key: String? = nil) async throws -> String {
        let privateKey = try Insecure.RSA.PrivateKey(pem: String(contentsOfFile: key ?? keys.pkcs1, encoding: .utf8))
        let collection = JWTKeyCollection()
        switch algorithm {
        case "RS256": await collection.add(rsa: privateKey, digestAlgorithm: .sha256)
        case "RS384": await collection.add(rsa: privateKey, digestAlgorithm: .sha384)
        case "PS256": await collection.add(pss: privateKey, digestAlgorithm: .sha256)
        case "HS256": await collection.add(hmac: HMACKey(from: String(repeating: "k", count: 32)), digestAlgorithm: .sha256)
        default: await collection.add(rsa: privateKey, digestAlgorithm: .sha512)
        }
        return try await collection.sign(claims)
    }

    @Test(arguments: ["PKCS#1", "PKCS#8"])
    func signsRS512TokensThatVerify(_ format: String) async throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000.75)
        let keyPath = format == "PKCS#1" ? keys.pkcs1 : keys.pkcs8
        #expect(try String(contentsOfFile: keyPath, encoding: .utf8).hasPrefix(
            format == "PKCS#1" ? "-----BEGIN RSA PRIVATE KEY-----" : "-----BEGIN PRIVATE KEY-----"
        ))
        let token = try await WorkSigner(privateKeyPath: keyPath).sign(audience: "node2", now: now)
        #expect(try Self.part(token, 0)["alg"] == .string("RS512"))
        #expect(try Self.part(token, 0)["typ"] == .string("JWT"))
        #expect(try Self.part(token, 1) == .object(["aud": .array([.string("node2")]), "exp": .int(1_800_000_300)]))
        try await WorkVerifier(publicKeyPath: keys.publicKey).verify(token, nodeID: "node2", now: now)
    }

    @Test func expirationIsConfigurable() async throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let token = try await WorkSigner(privateKeyPath: keys.pkcs1, expiration: .seconds(10)).sign(audience: "n", now: now)
        #expect(try Self.part(token, 1)["exp"] == .int(1_800_000_010))
        let verifier = WorkVerifier(publicKeyPath: keys.publicKey)
        try await verifier.verify(token, nodeID: "n", now: now.addingTimeInterval(9))
        await expectError("could not verify signature: token is expired") {
            try await verifier.verify(token, nodeID: "n", now: now.addingTimeInterval(10))
        }
    }

    @Test func expiredTokensAreRefused() async throws {
        let token = try await WorkSigner(privateKeyPath: keys.pkcs1).sign(audience: "node1", now: Date().addingTimeInterval(-301))
        await expectError("could not verify signature: token is expired") {
            try await WorkVerifier(publicKeyPath: keys.publicKey).verify(token, nodeID: "node1")
        }
    }

    @Test func audienceMustContainTheLocalNode() async throws {
        let token = try await WorkSigner(privateKeyPath: keys.pkcs8).sign(audience: "node2")
        await expectError("token audience did not match node ID") {
            try await WorkVerifier(publicKeyPath: keys.publicKey).verify(token, nodeID: "node3")
        }
        let several = try await foreignToken(WorkClaims(expiresAt: Date() + 60, audience: ["a", "node3"]), algorithm: "RS512")
        try await WorkVerifier(publicKeyPath: keys.publicKey).verify(several, nodeID: "node3")
        let none = try await foreignToken(WorkClaims(expiresAt: Date() + 60, audience: nil), algorithm: "RS512")
        await expectError("token audience did not match node ID") {
            try await WorkVerifier(publicKeyPath: keys.publicKey).verify(none, nodeID: "node3")
        }
    }

    @Test func wrongKeyIsRefused() async throws {
        let token = try await WorkSigner(privateKeyPath: keys.otherPrivate).sign(audience: "node1")
        await expectError("could not verify signature: crypto/rsa: verification error") {
            try await WorkVerifier(publicKeyPath: keys.publicKey).verify(token, nodeID: "node1")
        }
        let good = try await WorkSigner(privateKeyPath: keys.pkcs1).sign(audience: "node1")
        await expectError("could not verify signature: crypto/rsa: verification error") {
            try await WorkVerifier(publicKeyPath: keys.otherPublic).verify(good, nodeID: "node1")
        }
    }

    @Test func tamperedClaimsAreRefused() async throws {
        let token = try await WorkSigner(privateKeyPath: keys.pkcs1).sign(audience: "node1")
        let parts = token.split(separator: ".")
        let forged = Self.base64URL(Data(#"{"aud":["node9"],"exp":9999999999}"#.utf8))
        await expectError("could not verify signature: crypto/rsa: verification error") {
            try await WorkVerifier(publicKeyPath: keys.publicKey).verify("\(parts[0]).\(forged).\(parts[2])", nodeID: "node9")
        }
    }

    @Test(arguments: [
        ("garbage", "could not verify signature: token contains an invalid number of segments"),
        ("a.b", "could not verify signature: token contains an invalid number of segments"),
        ("a.b.c.d", "could not verify signature: token contains an invalid number of segments"),
        ("a.b.c", "could not verify signature: token header is malformed"),
        ("eyJhbGciOiJSUzUxMiJ9.!!!.xyz", "could not verify signature: crypto/rsa: verification error"),
        ("eyJhbGciOiJSUzUxMiJ9.e30.AAAA", "could not verify signature: crypto/rsa: verification error"),
        ("eyJhbGciOiJub25lIn0.e30.", "could not verify signature: unexpected signing method none"),
    ])
    func garbageTokensAreRefused(_ token: String, _ message: String) async {
        await expectError(message) {
            try await WorkVerifier(publicKeyPath: keys.publicKey).verify(token, nodeID: "node1")
        }
    }

    @Test(arguments: ["RS256", "RS384", "RS512", "PS256"])
    func anyRSAAlgorithmIsAccepted(_ algorithm: String) async throws {
        let token = try await foreignToken(WorkClaims(expiresAt: Date() + 60, audience: ["node1"]), algorithm: algorithm)
        #expect(try Self.part(token, 0)["alg"] == .string(algorithm))
        try await WorkVerifier(publicKeyPath: keys.publicKey).verify(token, nodeID: "node1")
    }

    @Test func nonRSAAlgorithmsAreRefused() async throws {
        let token = try await foreignToken(WorkClaims(expiresAt: Date() + 60, audience: ["node1"]), algorithm: "HS256")
        await expectError("could not verify signature: unexpected signing method HS256") {
            try await WorkVerifier(publicKeyPath: keys.publicKey).verify(token, nodeID: "node1")
        }
    }

    @Test func tokensWithoutExpiryOrNotYetValidAreRefused() async throws {
        let verifier = WorkVerifier(publicKeyPath: keys.publicKey)
        let forever = try await foreignToken(WorkClaims(expiresAt: nil, audience: ["node1"]), algorithm: "RS512")
        await expectError("token not valid") { try await verifier.verify(forever, nodeID: "node1") }
        let early = try await foreignToken(
            WorkClaims(expiresAt: Date() + 600, audience: ["node1"], notBefore: Date() + 300),
            algorithm: "RS512"
        )
        await expectError("could not verify signature: token is not valid yet") {
            try await verifier.verify(early, nodeID: "node1")
        }
    }

    @Test func verifierPreconditionsUseReceptorsTexts() async throws {
        let token = try await WorkSigner(privateKeyPath: keys.pkcs1).sign(audience: "node1")
        await expectError("could not verify signature: signature is empty") {
            try await WorkVerifier(publicKeyPath: keys.publicKey).verify("", nodeID: "node1")
        }
        for path in [nil, ""] as [String?] {
            await expectError("could not verify signature: verifying key not specified") {
                try await WorkVerifier(publicKeyPath: path).verify(token, nodeID: "node1")
            }
        }
        let missing = keys.directory.file("missing.pem")
        await expectError("could not load verifying key file: open \(missing): no such file or directory") {
            try await WorkVerifier(publicKeyPath: missing).verify(token, nodeID: "node1")
        }
        await expectError("could not load verifying key file: unsupported key type \"RSA PRIVATE KEY\" in \(keys.pkcs1)") {
            try await WorkVerifier(publicKeyPath: keys.pkcs1).verify(token, nodeID: "node1")
        }
        await expectError("could not load verifying key file: no PEM data found in \(keys.garbage)") {
            try await WorkVerifier(publicKeyPath: keys.garbage).verify(token, nodeID: "node1")
        }
    }

    @Test func badSigningKeysFailOnlyWhenUsed() async throws {
        // Constructing never reads the file; the failure comes at the first signature.
        let openSSH = WorkSigner(privateKeyPath: keys.openSSH)
        await expectError("could not load signing key file: unsupported key type \"OPENSSH PRIVATE KEY\" in \(keys.openSSH)") {
            _ = try await openSSH.sign(audience: "node1")
        }
        await expectError("could not load signing key file: unsupported key type \"PUBLIC KEY\" in \(keys.publicKey)") {
            _ = try await WorkSigner(privateKeyPath: keys.publicKey).sign(audience: "node1")
        }
        await expectError("could not load signing key file: no PEM data found in \(keys.garbage)") {
            _ = try await WorkSigner(privateKeyPath: keys.garbage).sign(audience: "node1")
        }
        let missing = keys.directory.file("nope.pem")
        await expectError("could not load signing key file: open \(missing): no such file or directory") {
            _ = try await WorkSigner(privateKeyPath: missing).sign(audience: "node1")
        }
        await expectError("cannot sign work: signing key is empty") {
            _ = try await WorkSigner(privateKeyPath: "").sign(audience: "node1")
        }
    }

    @Test func keyFilesAreReadAtEachUse() async throws {
        let path = keys.directory.file("rotating-\(UUID().uuidString).pem")
        let signer = WorkSigner(privateKeyPath: path)
        await expectError("could not load signing key file: open \(path): no such file or directory") {
            _ = try await signer.sign(audience: "node1")
        }
        try FileManager.default.copyItem(atPath: keys.pkcs8, toPath: path)
        let token = try await signer.sign(audience: "node1")
        try await WorkVerifier(publicKeyPath: keys.publicKey).verify(token, nodeID: "node1")
    }

    /// Interoperability without JWTKit on one side: `openssl dgst` checks our signature, and we accept a token
    /// whose signature openssl made, shaped as receptor's older Go code makes them (`aud` as a single string).
    @Test func interoperatesWithIndependentRS512Implementations() async throws {
        let token = try await WorkSigner(privateKeyPath: keys.pkcs1).sign(audience: "node1")
        let parts = token.split(separator: ".").map(String.init)
        let input = keys.directory.file("input-\(UUID().uuidString)")
        let signature = keys.directory.file("signature-\(UUID().uuidString)")
        try Data("\(parts[0]).\(parts[1])".utf8).write(to: URL(fileURLWithPath: input))
        var base64 = parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        try #require(Data(base64Encoded: base64)).write(to: URL(fileURLWithPath: signature))
        let check = try run("/usr/bin/openssl", ["dgst", "-sha512", "-verify", keys.publicKey, "-signature", signature, input])
        #expect(check.status == 0)
        #expect(String(decoding: check.output, as: UTF8.self).contains("Verified OK"))

        let exp = Int(Date().timeIntervalSince1970) + 120
        let header = Self.base64URL(Data(#"{"alg":"RS512","typ":"JWT"}"#.utf8))
        let payload = Self.base64URL(Data(#"{"aud":"node1","exp":\#(exp)}"#.utf8))
        let signed = try run("/usr/bin/openssl", ["dgst", "-sha512", "-sign", keys.pkcs8], input: Data("\(header).\(payload)".utf8))
        #expect(signed.status == 0)
        let goStyle = "\(header).\(payload).\(Self.base64URL(signed.output))"
        try await WorkVerifier(publicKeyPath: keys.publicKey).verify(goStyle, nodeID: "node1")
        await expectError("token audience did not match node ID") {
            try await WorkVerifier(publicKeyPath: keys.publicKey).verify(goStyle, nodeID: "node2")
        }

        // Correctly signed, but the claims are not JSON.
        let junk = Self.base64URL(Data("not json".utf8))
        let signedJunk = try run("/usr/bin/openssl", ["dgst", "-sha512", "-sign", keys.pkcs1], input: Data("\(header).\(junk)".utf8))
        await expectError("could not verify signature: token is malformed") {
            try await WorkVerifier(publicKeyPath: keys.publicKey)
                .verify("\(header).\(junk).\(Self.base64URL(signedJunk.output))", nodeID: "node1")
        }
    }
}
