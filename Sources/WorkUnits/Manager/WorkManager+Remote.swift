import Foundation
import MeshConfig
import MeshNode
import MeshProtocol
import NIOCore

extension WorkManager {
    /// `work submit` for another node: a local unit of work type "remote" that carries the payload
    /// there and mirrors the remote unit. The first start attempt is made before answering, so a
    /// reachable node gives "Job Started"; an unreachable one "Job Submitted" (retried in background).
    func submitRemote(_ request: WorkRequest.Submission, exchange: ControlExchange) {
        let tls = request.tlsClient ?? ""
        if !tls.isEmpty && !mesh.hasTLSClient(tls) {
            exchange.replyError("unknown TLS config \(tls)")
            exchange.done()
            return
        }
        if tls.isEmpty && request.params.keys.contains(where: { $0.lowercased().hasPrefix("secret_") }) {
            exchange.replyError("cannot send secrets over a non-TLS connection")
            exchange.done()
            return
        }
        var expiration = GoTime.zeroRFC3339
        if let ttl = request.ttl, !ttl.isEmpty {
            let duration: Duration
            do {
                duration = try GoDuration.parse(ttl)
            } catch {
                // Go's own parse error, as receptor replies it (control-protocol.md 6).
                exchange.replyError(error.description)
                exchange.done()
                return
            }
            expiration = RemoteUnit.expiration(after: duration, from: now())
        }
        let extra = RemoteExtra(
            remoteNode: request.node,
            remoteWorkType: request.workType,
            remoteParams: request.params,
            signWork: request.signWork,
            tlsClient: tls,
            expiration: expiration
        )
        guard let (id, stdinFD) = openUnit(workType: "remote", extraData: .remote(extra), exchange: exchange) else { return }
        // The first start attempt begins now and forwards the payload while it arrives; the client
        // gets its answer once its upload has ended and the attempt has an outcome.
        let unit = RemoteUnit(id: id, extra: extra, manager: self)
        unit.payloadComplete = false
        remoteUnits[id] = unit
        var outcome: RemoteUnit.StartOutcome?
        var uploaded = false
        var finished = false
        func answer() {
            guard uploaded, let outcome, !finished else { return }
            finished = true
            switch outcome {
            case .started:
                statuses.update(id) { $0.detail = "Remote work unit started" }
                unit.monitor()
                exchange.reply(.object(["result": .string("Job Started"), "unitid": .string(id)]))
            case .notReachable:
                // The payload must outlive a restart now: it is all we have until the node is back.
                syncPayload(id)
                statuses.update(id) { $0.detail = "Waiting for \(request.node) to be reachable" }
                unit.startInBackground()
                exchange.reply(.object(["result": .string("Job Submitted"), "unitid": .string(id)]))
            case .failed(let why):
                remoteUnits[id] = nil
                statuses.update(id) { s in
                    s.workState = .failed
                    s.detail = "Error starting worker: \(why)"
                }
                exchange.replyError(why)
            }
            exchange.close()
        }
        unit.attemptStart { result in
            outcome = result
            answer()
        }
        exchange.onClosed = { [weak self] in
            guard let self, !uploaded else { return }
            uploaded = true
            finished = true
            close(stdinFD)
            unit.stop()
            self.remoteUnits[id] = nil
            self.failInputClosed(id)
        }
        exchange.receivePayload(
            { buffer in
                _ = Self.writeAll(stdinFD, buffer)
                unit.payloadGrew()
            },
            end: { [weak self] in
                guard let self, !uploaded else { return }
                uploaded = true
                exchange.onClosed = nil
                close(stdinFD)
                self.statuses.update(id) { $0.detail = "Starting Worker" }
                unit.payloadFinished()
                answer()
            }
        )
    }

    /// Makes the unit's payload durable: while its node is unreachable, it is all there is. A failure is
    /// logged (the unit goes on; only a crash before the next sync could lose the payload).
    func syncPayload(_ id: String) {
        let path: String
        do {
            path = try store.stdinPath(id)
        } catch {
            logger.error("could not sync the payload of work unit \(id): \(error)", metadata: ["unit": "\(id)"])
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            logger.error("could not sync the payload of work unit \(id): open \(path): \(String(cString: strerror(errno)))", metadata: ["unit": "\(id)"])
            return
        }
        if fsync(fd) != 0 {
            logger.error("could not sync the payload of work unit \(id): fsync \(path): \(String(cString: strerror(errno)))", metadata: ["unit": "\(id)"])
        }
        close(fd)
    }

    /// At start-up: resume remote units that were started; retry the start of those whose payload
    /// was complete; finish pending cancels and releases.
    func reconcileRemote(_ id: String, _ status: WorkStatus) {
        guard let extra = status.extraData.remote else { return }
        if extra.localReleased {
            let unit = RemoteUnit(id: id, extra: extra, manager: self)
            remoteUnits[id] = unit
            retryRemote(unit, "release") { [weak self] in self?.removeUnit(id) }
            return
        }
        if extra.localCancelled && extra.remoteStarted && !status.isTerminal {
            let unit = RemoteUnit(id: id, extra: extra, manager: self)
            remoteUnits[id] = unit
            retryRemote(unit, "cancel") { [weak self] in
                self?.statuses.update(id) { s in
                    s.workState = .canceled
                    s.detail = "Canceled"
                }
            }
            return
        }
        if status.isTerminal && store.stdoutSize(id) >= status.stdoutSize { return }
        let unit = RemoteUnit(id: id, extra: extra, manager: self)
        remoteUnits[id] = unit
        if extra.remoteStarted {
            unit.monitor()
        } else if status.detail == "Starting Worker" || status.detail.hasPrefix("Waiting for ") {
            unit.startInBackground()
        } else {
            remoteUnits[id] = nil
            statuses.update(id) { s in
                s.workState = .failed
                s.detail = "Failed to restart: remote work had not previously started"
            }
        }
    }

    /// Sends a remote cancel/release until it gets through.
    func retryRemote(_ unit: RemoteUnit, _ sub: String, delay: TimeAmount = .seconds(1), then: @escaping () -> Void) {
        unit.remoteCommand(sub) { [weak self] outcome in
            guard let self else { return }
            if outcome == "pending" {
                self.loop.assumeIsolated().scheduleTask(in: delay) {
                    self.retryRemote(unit, sub, delay: min(.nanoseconds(delay.nanoseconds * 3 / 2), .seconds(60)), then: then)
                }
            } else {
                self.remoteUnits[unit.id] = nil
                then()
            }
        }
    }

    /// Cancel or release of a remote unit (receptor's table in control-protocol.md 9).
    func cancelOrReleaseRemote(_ id: String, status: WorkStatus, release: Bool, force: Bool, exchange: ControlExchange) {
        guard let extra = status.extraData.remote else {
            exchange.replyError("unknown work unit \(id)")
            exchange.done()
            return
        }
        let unit = remoteUnits[id] ?? RemoteUnit(id: id, extra: extra, manager: self)
        remoteUnits[id] = unit
        let replyKey = release ? "released" : "cancelled"
        if !extra.remoteStarted {
            // Never started there: stop trying; cancel fails the unit locally, release deletes it.
            unit.stop()
            remoteUnits[id] = nil
            if release {
                removeUnit(id, force: force)
            } else {
                statuses.update(id) { s in
                    s.workState = .failed
                    s.detail = "Locally Cancelled"
                }
            }
            wake(id)
            exchange.reply(.object([replyKey: .string(id)]))
            exchange.done()
            return
        }
        if release { unit.markReleased() } else { unit.markCancelled() }
        unit.remoteCommand(release ? "release" : "cancel") { [weak self] outcome in
            guard let self else { return }
            switch outcome {
            case nil:
                if release {
                    unit.stop()
                    self.remoteUnits[id] = nil
                    self.removeUnit(id)
                } else {
                    unit.monitor()  // picks up the remote "Canceled"
                }
                self.wake(id)
                exchange.reply(.object([replyKey: .string(id)]))
            case _ where force:
                // force-release: one remote attempt, errors only logged, the local unit goes now.
                if let outcome { self.logger.warning("force-release of \(id): remote said \(outcome)") }
                unit.stop()
                self.remoteUnits[id] = nil
                self.removeUnit(id, force: true)
                exchange.reply(.object([replyKey: .string(id)]))
            case "pending"?:
                self.retryRemote(unit, release ? "release" : "cancel") {
                    if release { self.removeUnit(id) }
                }
                exchange.reply(.object([(release ? "release pending" : "cancel pending"): .string(id)]))
            case .some(let error):
                exchange.replyError(error)
            }
            exchange.done()
        }
    }
}
