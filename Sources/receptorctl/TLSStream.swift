import Foundation

/// TLS settings for `tls://` control sockets, from the global options or a config's `tls-client`.
struct TLSSettings: Equatable {
    var rootCAs: String?
    var key: String?
    var cert: String?
    var insecureSkipVerify = false
}

/// The few OpenSSL calls a TLS client needs, bound at run time from the system's `libssl.so.3`
/// with `dlopen` (the receptorctl target links no TLS library).
private struct LibSSL {
    typealias Ptr = OpaquePointer?
    typealias CStr = UnsafePointer<CChar>?
    let clientMethod: @convention(c) () -> Ptr
    let ctxNew: @convention(c) (Ptr) -> Ptr
    let ctxFree: @convention(c) (Ptr) -> Void
    let ctxCtrl: @convention(c) (Ptr, Int32, Int, UnsafeMutableRawPointer?) -> Int
    let ctxSetOptions: @convention(c) (Ptr, UInt64) -> UInt64
    let ctxLoadVerifyLocations: @convention(c) (Ptr, CStr, CStr) -> Int32
    let ctxSetDefaultVerifyPaths: @convention(c) (Ptr) -> Int32
    let ctxUseCertificateChainFile: @convention(c) (Ptr, CStr) -> Int32
    let ctxUsePrivateKeyFile: @convention(c) (Ptr, CStr, Int32) -> Int32
    let ctxSetVerify: @convention(c) (Ptr, Int32, OpaquePointer?) -> Void
    let new: @convention(c) (Ptr) -> Ptr
    let free: @convention(c) (Ptr) -> Void
    let setFD: @convention(c) (Ptr, Int32) -> Int32
    let ctrl: @convention(c) (Ptr, Int32, Int, UnsafeMutableRawPointer?) -> Int
    let set1Host: @convention(c) (Ptr, CStr) -> Int32
    let get0Param: @convention(c) (Ptr) -> Ptr
    let paramSet1IPAsc: @convention(c) (Ptr, CStr) -> Int32
    let connect: @convention(c) (Ptr) -> Int32
    let read: @convention(c) (Ptr, UnsafeMutableRawPointer?, Int32) -> Int32
    let write: @convention(c) (Ptr, UnsafeRawPointer?, Int32) -> Int32
    let getError: @convention(c) (Ptr, Int32) -> Int32
    let pending: @convention(c) (Ptr) -> Int32
    let errGetError: @convention(c) () -> UInt
    let errErrorStringN: @convention(c) (UInt, UnsafeMutablePointer<CChar>?, Int) -> Void

    static func load() throws -> LibSSL {
        guard let h = dlopen("libssl.so.3", RTLD_NOW) ?? dlopen("libssl.so", RTLD_NOW) else {
            throw ClientError("tls:// needs the system OpenSSL library (libssl.so.3), which could not be loaded")
        }
        func sym<T>(_ name: String) throws -> T {
            guard let p = dlsym(h, name) else { throw ClientError("OpenSSL symbol \(name) not found") }
            return unsafeBitCast(p, to: T.self)
        }
        return LibSSL(
            clientMethod: try sym("TLS_client_method"), ctxNew: try sym("SSL_CTX_new"), ctxFree: try sym("SSL_CTX_free"),
            ctxCtrl: try sym("SSL_CTX_ctrl"), ctxSetOptions: try sym("SSL_CTX_set_options"),
            ctxLoadVerifyLocations: try sym("SSL_CTX_load_verify_locations"),
            ctxSetDefaultVerifyPaths: try sym("SSL_CTX_set_default_verify_paths"),
            ctxUseCertificateChainFile: try sym("SSL_CTX_use_certificate_chain_file"),
            ctxUsePrivateKeyFile: try sym("SSL_CTX_use_PrivateKey_file"), ctxSetVerify: try sym("SSL_CTX_set_verify"),
            new: try sym("SSL_new"), free: try sym("SSL_free"), setFD: try sym("SSL_set_fd"), ctrl: try sym("SSL_ctrl"),
            set1Host: try sym("SSL_set1_host"), get0Param: try sym("SSL_get0_param"),
            paramSet1IPAsc: try sym("X509_VERIFY_PARAM_set1_ip_asc"), connect: try sym("SSL_connect"),
            read: try sym("SSL_read"), write: try sym("SSL_write"), getError: try sym("SSL_get_error"),
            pending: try sym("SSL_pending"), errGetError: try sym("ERR_get_error"),
            errErrorStringN: try sym("ERR_error_string_n")
        )
    }
}

/// A TLS client session over a connected TCP socket, configured as the Python client's
/// `ssl.create_default_context(cafile=rootcas)`: TLS 1.2 or later, the chain always verified
/// (against `rootcas`, or the system roots), the host name checked unless `insecureskipverify`,
/// SNI for host names, and a client certificate when both key and cert are given.
final class TLSStream {
    private let lib: LibSSL
    private let ctx: OpaquePointer?
    private var ssl: OpaquePointer?

    /// Performs the handshake on `fd`; any failure is thrown (the caller tries the next address).
    init(fd: Int32, host: String, settings: TLSSettings) throws {
        let lib = try LibSSL.load()
        self.lib = lib
        guard let ctx = lib.ctxNew(lib.clientMethod()) else { throw ClientError("SSL_CTX_new failed") }
        self.ctx = ctx
        // From here on `self` is initialised, so deinit frees the context (and session) on failure.
        _ = lib.ctxCtrl(ctx, 123, 0x0303, nil)  // SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        _ = lib.ctxSetOptions(ctx, 1 << 7)  // SSL_OP_IGNORE_UNEXPECTED_EOF: a bare close is EOF
        let caOK: Int32
        if let ca = settings.rootCAs, !ca.isEmpty {
            caOK = lib.ctxLoadVerifyLocations(ctx, ca, nil)
        } else {
            caOK = lib.ctxSetDefaultVerifyPaths(ctx)
        }
        guard caOK == 1 else { throw ClientError("cannot load root CAs") }
        if let key = settings.key, let cert = settings.cert, !key.isEmpty, !cert.isEmpty {
            guard lib.ctxUseCertificateChainFile(ctx, cert) == 1, lib.ctxUsePrivateKeyFile(ctx, key, 1) == 1 else {
                throw ClientError("cannot load client certificate or key")
            }
        }
        lib.ctxSetVerify(ctx, 1, nil)  // SSL_VERIFY_PEER
        guard let ssl = lib.new(ctx) else { throw ClientError("SSL_new failed") }
        self.ssl = ssl
        var ip4 = in_addr()
        var ip6 = in6_addr()
        let isIP = inet_pton(AF_INET, host, &ip4) == 1 || inet_pton(AF_INET6, host, &ip6) == 1
        if !isIP {
            _ = host.withCString { lib.ctrl(ssl, 55, 0, UnsafeMutableRawPointer(mutating: $0)) }  // SNI
        }
        if !settings.insecureSkipVerify {
            let ok = isIP ? lib.paramSet1IPAsc(lib.get0Param(ssl), host) : lib.set1Host(ssl, host)
            guard ok == 1 else { throw ClientError("cannot set the expected host name") }
        }
        guard lib.setFD(ssl, fd) == 1, lib.connect(ssl) == 1 else { throw ClientError("TLS handshake failed") }
    }

    deinit {
        if let ssl { lib.free(ssl) }
        lib.ctxFree(ctx)
    }

    /// Decrypted bytes already received but not yet read (poll() cannot see them).
    var pending: Bool { lib.pending(ssl) > 0 }

    /// The OpenSSL error behind the last failed read or write, as `[SSL] error:...:reason`.
    private(set) var lastError = "[SSL] unknown error"

    private func recordError() {
        var text = [CChar](repeating: 0, count: 256)
        let code = lib.errGetError()
        if code != 0 {
            lib.errErrorStringN(code, &text, text.count)
            let bytes = text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            lastError = "[SSL] " + String(decoding: bytes, as: UTF8.self)
        } else {
            lastError = ControlConnection.errnoText(errno)
        }
    }

    /// Like recv(2): > 0 bytes, 0 at EOF (also for a close without close_notify), < 0 on error.
    func read(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let n = lib.read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
            if n > 0 { return Int(n) }
            let e = lib.getError(ssl, n)
            if e == 2 { continue }  // SSL_ERROR_WANT_READ (a post-handshake message)
            if e == 6 { return 0 }  // SSL_ERROR_ZERO_RETURN
            recordError()
            return -1
        }
    }

    /// Like send(2): bytes written, or < 0 on error.
    func write(_ buffer: UnsafeRawBufferPointer) -> Int {
        let n = lib.write(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if n > 0 { return Int(n) }
        recordError()
        return -1
    }
}
