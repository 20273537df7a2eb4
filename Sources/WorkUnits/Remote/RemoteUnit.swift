import Foundation
import Logging
import MeshNode
import MeshProtocol
import NIOCore

/// Drives one unit that runs on another node: starts it there (sending the payload), then mirrors
/// its output (one long-lived `work results` stream that pushes bytes as they are produced) and its
/// status (`work status` once a second, and at once when the output stream ends), and carries
/// cancel and release over. Connection failures are retried with backoff (1 s, x1.5, to 60 s), so
/// an unreachable node only delays the unit.
final class RemoteUnit {
    let id: String
    private unowned let manager: WorkManager
    private var extra: RemoteExtra
    private var stopped = false
    private var retryDelay: TimeAmount = .seconds(1)
    private var statusClient: ControlClient?
    private var resultsClient: ControlClient?
    /// The session of a start attempt in progress.
    private var startClient: ControlClient?
    private var statusTimer: Scheduled<Void>?
    private var retryTimer: Scheduled<Void>?
    private var remoteTerminal = false
    private var remoteSize: Int64 = 0
    private var stdoutFD: Int32 = -1
    private var logger: Logger
    /// False while the client is still uploading the payload: the start attempt forwards what has
    /// arrived so far and waits for more (upload and forwarding overlap).
    var payloadComplete = true
    private var payloadWaiter: (() -> Void)?
    /// A remote status reply that did not parse was logged; cleared by the next good one.
    private var reportedBadStatusReply = false

    init(id: String, extra: RemoteExtra, manager: WorkManager) {
        self.id = id
        self.extra = extra
        self.manager = manager
        var logger = manager.logger
        logger[metadataKey: "unit"] = "\(id)"
        logger[metadataKey: "remote-node"] = "\(extra.remoteNode)"
        self.logger = logger
    }

    private var loop: any EventLoop { manager.loop }
    private var tlsClient: String? { extra.tlsClient.isEmpty ? nil : extra.tlsClient }

    /// Writes the local record (a failure is logged, counted and kept by the manager's status keeper).
    private func save(_ body: (inout WorkStatus) -> Void) {
        manager.statuses.update(id) { s in
            s.extraData = .remote(extra)
            body(&s)
        }
    }

    /// Signs a token for the remote node when the unit asks for signed work: `body(.success(nil))` when no
    /// signature is wanted, `.failure` (already logged) when signing failed, so the request is not sent unsigned.
    private func withSignature(_ body: @escaping (Result<String?, any Error>) -> Void) {
        guard extra.signWork else { return body(.success(nil)) }
        guard let signer = manager.signer else { return body(.success(nil)) }
        let node = extra.remoteNode
        let promise = loop.makePromise(of: String.self)
        promise.completeWithTask { try await signer.sign(audience: node) }
        promise.futureResult.assumeIsolated().whenComplete { [logger] result in
            switch result {
            case .success(let token):
                body(.success(token))
            case .failure(let error):
                logger.error("could not sign work for \(node): \(error)")
                body(.failure(error))
            }
        }
    }

    // MARK: start

    enum StartOutcome {
        case started
        case notReachable(String)
        case failed(String)
    }

    /// One attempt to create the unit on the remote node and send it the payload.
    func attemptStart(_ completion: @escaping (StartOutcome) -> Void) {
        ControlClient.connect(mesh: manager.mesh, node: extra.remoteNode, tlsClient: tlsClient) { [self] result in
            switch result {
            case .failure(let e):
                completion(e.isConnection ? .notReachable(e.description) : .failed(e.description))
            case .success(let client):
                guard !self.stopped else { return client.close() }
                self.startClient = client
                withSignature { signed in
                    guard case .success(let signature) = signed else {
                        client.close()
                        self.startClient = nil
                        if case .failure(let error) = signed { completion(.failed("could not sign the work request: \(error)")) }
                        return
                    }
                    var fields: [String: JSONValue] = [
                        "command": .string("work"),
                        "subcommand": .string("submit"),
                        "node": .string(self.extra.remoteNode),
                        "worktype": .string(self.extra.remoteWorkType),
                    ]
                    if let tls = self.tlsClient { fields["tlsclient"] = .string(tls) }
                    for (k, v) in self.extra.remoteParams { fields[k] = .string(v) }
                    if let signature { fields["signature"] = .string(signature) }
                    client.command(JSONValue.object(fields).text) { reply in
                        guard case .success(let line) = reply else {
                            client.close()
                            return completion(.notReachable("lost the connection to \(self.extra.remoteNode)"))
                        }
                        guard let remoteID = Self.unitID(in: line) else {
                            client.close()
                            return completion(.failed("could not parse response: \(line)"))
                        }
                        self.extra.remoteUnitID = remoteID
                        self.save { _ in }
                        self.sendPayload(client) { finalLine in
                            client.close()
                            self.startClient = nil
                            switch finalLine {
                            case .failure(let e):
                                completion(.notReachable(e.description))
                            case .success(let text) where text.hasPrefix("ERROR"):
                                completion(.failed("error from remote: \(text.dropFirst(min(7, text.count)))"))
                            case .success:
                                self.extra.remoteStarted = true
                                self.save { _ in }
                                completion(.started)
                            }
                        }
                    }
                }
            }
        }
    }

    static func unitID(in line: String) -> String? {
        guard let range = line.range(of: "with ID ") else { return nil }
        let id = line[range.upperBound...].prefix { $0.isLetter || $0.isNumber }
        guard !id.isEmpty, line[range.upperBound...].dropFirst(id.count).hasPrefix(".") else { return nil }
        return String(id)
    }

    /// More payload was written to the unit's stdin file.
    func payloadGrew() {
        if let waiter = payloadWaiter {
            payloadWaiter = nil
            waiter()
        }
    }

    /// The client's upload ended.
    func payloadFinished() {
        payloadComplete = true
        payloadGrew()
    }

    /// Sends the unit's stdin file to the remote session, following it while the upload goes on.
    private func sendPayload(_ client: ControlClient, then: @escaping (Result<String, ControlClientError>) -> Void) {
        let path: String
        do {
            path = try manager.store.stdinPath(id)
        } catch {
            return then(.failure(ControlClientError("no stdin: \(error)")))
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            // Sending nothing would start the remote unit with an empty payload.
            let reason = "cannot read the payload \(path): \(String(cString: strerror(errno)))"
            logger.error("\(reason)")
            return then(.failure(ControlClientError(reason)))
        }
        var offset: off_t = 0
        func next() {
            var chunk = ByteBufferAllocator().buffer(capacity: 256 << 10)
            let n = fd < 0 ? 0 : chunk.writeWithUnsafeMutableBytes(minimumWritableBytes: 256 << 10) { raw in
                max(0, pread(fd, raw.baseAddress!, raw.count, offset))
            }
            if n <= 0 {
                if !payloadComplete && fd >= 0 {
                    payloadWaiter = { next() }
                    return
                }
                if fd >= 0 { close(fd) }
                client.closeWrite()
                client.readLine(then)
                return
            }
            offset += off_t(n)
            client.sendRaw(chunk) { next() }
        }
        next()
    }

    /// Retries the start in the background until it succeeds, fails, or the unit expires.
    func startInBackground() {
        guard !stopped else { return }
        if let expires = Self.expiry(of: extra, now: manager.now()) {
            finishLocally(state: .failed, detail: GoTime.expiredDetail(expires))
            return
        }
        retryTimer = loop.assumeIsolated().scheduleTask(in: retryDelay) { [weak self] in
            guard let self, !self.stopped else { return }
            self.attemptStart { outcome in
                switch outcome {
                case .started:
                    self.retryDelay = .seconds(1)
                    self.save { $0.detail = "Remote work unit started" }
                    self.monitor()
                case .notReachable(let why):
                    self.logger.debug("remote node not reachable yet: \(why)")
                    self.backOff()
                    self.startInBackground()
                case .failed(let why):
                    self.finishLocally(state: .failed, detail: "Error starting worker: \(why)")
                }
            }
        }
    }

    /// When the unit expired, if its TTL has passed at `now` (nil: no TTL, or not expired yet).
    static func expiry(of extra: RemoteExtra, now: Date) -> Date? {
        guard extra.expiration != GoTime.zeroRFC3339, let expires = GoTime.parseRFC3339(extra.expiration), now > expires else {
            return nil
        }
        return expires
    }

    /// The `Expiration` of a unit submitted at `now` with a `ttl` of `duration` (RFC 3339, as Go writes it).
    static func expiration(after duration: Duration, from now: Date) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return GoTime.rfc3339(now.addingTimeInterval(seconds))
    }

    private func backOff() {
        retryDelay = min(.nanoseconds(retryDelay.nanoseconds * 3 / 2), .seconds(60))
    }

    private func finishLocally(state: WorkState, detail: String) {
        stop()
        save { s in
            s.workState = state
            s.detail = detail
        }
        manager.wake(id)
        manager.remoteUnits[id] = nil
    }

    // MARK: monitoring

    /// Mirrors output and status until the remote unit has ended and every byte is here.
    func monitor() {
        guard !stopped else { return }
        pollStatus()
        streamResults()
    }

    private var localSize: Int64 { manager.store.stdoutSize(id) }

    private func streamResults() {
        guard !stopped, resultsClient == nil else { return }
        let startPosition = localSize
        ControlClient.connect(mesh: manager.mesh, node: extra.remoteNode, tlsClient: tlsClient) { [weak self] result in
            guard let self, !self.stopped else { return }
            guard case .success(let client) = result else {
                return self.retryResults()
            }
            self.resultsClient = client
            self.withSignature { signed in
                guard case .success(let signature) = signed else {
                    client.close()
                    self.resultsClient = nil
                    return self.retryResults()
                }
                var fields: [String: JSONValue] = [
                    "command": .string("work"),
                    "subcommand": .string("results"),
                    "unitid": .string(self.extra.remoteUnitID),
                    "startpos": .int(startPosition),
                ]
                if let signature { fields["signature"] = .string(signature) }
                client.command(JSONValue.object(fields).text) { reply in
                    guard case .success(let line) = reply, line.contains("Streaming results") else {
                        client.close()
                        self.resultsClient = nil
                        if case .success(let line) = reply, line.contains("unknown work unit") {
                            return self.remoteGone()
                        }
                        return self.retryResults()
                    }
                    client.closeWrite()
                    self.appendOutput(client)
                }
            }
        }
    }

    private func appendOutput(_ client: ControlClient) {
        if stdoutFD < 0 {
            // Without the local file the output would be dropped: stop this stream and retry later from
            // the local size, so nothing is lost.
            do {
                let path = try manager.store.stdoutPath(id)
                stdoutFD = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
                if stdoutFD < 0 { throw RunnerError("open \(path): \(String(cString: strerror(errno)))") }
            } catch {
                logger.error("cannot write the output of the remote unit: \(error)")
                client.close()
                resultsClient = nil
                return retryResults()
            }
        }
        client.readRaw(
            { [weak self] chunk in
                // Bytes of a stream given up after a failed write are not ours any more: the next one resends them.
                guard let self, self.resultsClient === client, self.stdoutFD >= 0 else { return }
                guard WorkManager.writeAll(self.stdoutFD, chunk) else {
                    // Part of the chunk may be written; the next stream resumes from the local size.
                    self.logger.error("cannot write the output of the remote unit: \(String(cString: strerror(errno)))")
                    close(self.stdoutFD)
                    self.stdoutFD = -1
                    client.close()
                    self.resultsClient = nil
                    self.retryResults()
                    return
                }
                self.manager.wake(self.id)
            },
            end: { [weak self] _ in
                client.close()
                guard let self else { return }
                // A stream dropped after a failed write may end after its replacement has started.
                if self.resultsClient === client { self.resultsClient = nil }
                // The remote closes the stream when its unit has ended and all output was sent:
                // ask for the final status at once instead of waiting for the next poll.
                self.pollStatus()
            }
        )
    }

    private func retryResults() {
        guard !stopped else { return }
        loop.assumeIsolated().scheduleTask(in: retryDelay) { [weak self] in self?.streamResults() }
        backOff()
    }

    private func pollStatus() {
        guard !stopped else { return }
        statusTimer?.cancel()
        statusTimer = nil
        if let client = statusClient {
            ask(client)
            return
        }
        ControlClient.connect(mesh: manager.mesh, node: extra.remoteNode, tlsClient: tlsClient) { [weak self] result in
            guard let self, !self.stopped else { return }
            switch result {
            case .success(let client):
                self.statusClient = client
                self.ask(client)
            case .failure:
                self.scheduleStatus(after: self.retryDelay)
                self.backOff()
            }
        }
    }

    private func ask(_ client: ControlClient) {
        client.command("work status \(extra.remoteUnitID)") { [weak self] reply in
            guard let self, !self.stopped else { return }
            switch reply {
            case .failure:
                self.statusClient = nil
                client.close()
                self.scheduleStatus(after: self.retryDelay)
                self.backOff()
            case .success(let line) where line.hasPrefix("ERROR"):
                if line.contains("unknown work unit") { self.remoteGone() } else { self.scheduleStatus(after: .seconds(1)) }
            case .success(let line):
                self.retryDelay = .seconds(1)
                self.mirror(line)
            }
        }
    }

    private func scheduleStatus(after delay: TimeAmount) {
        guard !stopped else { return }
        statusTimer = loop.assumeIsolated().scheduleTask(in: delay) { [weak self] in self?.pollStatus() }
    }

    private func mirror(_ line: String) {
        let o: [String: JSONValue]
        do {
            guard case .object(let members) = try JSONParser.parse(line) else { throw ControlClientError("not a JSON object") }
            o = members
        } catch {
            // Asked again every second: warn once per run of bad replies, not every time.
            let text = "unreadable work status reply from the remote node (asking again in 1 s): \(error): \(line.prefix(200))"
            if reportedBadStatusReply { logger.debug("\(text)") } else { logger.warning("\(text)") }
            reportedBadStatusReply = true
            return scheduleStatus(after: .seconds(1))
        }
        reportedBadStatusReply = false
        let state: Int
        switch o["State"] {
        case .int(let v)?: state = Int(v)
        default: return scheduleStatus(after: .seconds(1))
        }
        let detail = o["Detail"]?.stringValue ?? ""
        if case .int(let size)? = o["StdoutSize"] { remoteSize = size }
        remoteTerminal = WorkState.isTerminal(rawValue: state)
        let size = remoteSize
        // The local record only ends once every byte of output is here too, so a reader of the
        // local results never stops early.
        let caughtUp = localSize >= remoteSize
        save { s in
            s.state = remoteTerminal && !caughtUp ? WorkState.running.rawValue : state
            s.detail = detail
            s.stdoutSize = size
        }
        if remoteTerminal && localSize >= remoteSize {
            done()
            return
        }
        if remoteTerminal && resultsClient == nil { streamResults() }
        scheduleStatus(after: .seconds(1))
    }

    private func remoteGone() {
        guard !extra.localReleased else { return }
        finishLocally(state: .failed, detail: "Remote work unit is gone")
    }

    private func done() {
        stop()
        manager.wake(id)
        manager.remoteUnits[id] = nil
    }

    func stop() {
        stopped = true
        statusTimer?.cancel()
        retryTimer?.cancel()
        statusClient?.close()
        resultsClient?.close()
        startClient?.close()
        startClient = nil
        payloadWaiter = nil
        statusClient = nil
        resultsClient = nil
        if stdoutFD >= 0 { close(stdoutFD) }
        stdoutFD = -1
    }

    // MARK: cancel and release

    /// Sends `cancel` or `release` for the remote unit. `completion(nil)` when done remotely,
    /// `completion("pending")` when the node could not be reached, or an error text.
    func remoteCommand(_ sub: String, completion: @escaping (String?) -> Void) {
        ControlClient.connect(mesh: manager.mesh, node: extra.remoteNode, tlsClient: tlsClient) { [self] result in
            guard case .success(let client) = result else { return completion("pending") }
            withSignature { signed in
                guard case .success(let signature) = signed else {
                    client.close()
                    if case .failure(let error) = signed { completion("could not sign the \(sub) request: \(error)") }
                    return
                }
                var fields: [String: JSONValue] = [
                    "command": .string("work"),
                    "subcommand": .string(sub),
                    "unitid": .string(self.extra.remoteUnitID),
                ]
                if let signature { fields["signature"] = .string(signature) }
                client.command(JSONValue.object(fields).text) { reply in
                    client.close()
                    switch reply {
                    case .failure: completion("pending")
                    case .success(let line) where line.hasPrefix("ERROR"):
                        completion("error cancelling remote unit: \(line.dropFirst(6))")
                    case .success: completion(nil)
                    }
                }
            }
        }
    }

    func markCancelled() {
        extra.localCancelled = true
        save { _ in }
    }

    func markReleased() {
        extra.localReleased = true
        save { _ in }
    }

    var remoteStarted: Bool { extra.remoteStarted }
}
