import Foundation
import MeshConfig
import MeshNode
import MeshProtocol
import NIOCore

extension WorkManager {
    /// The start of every submit: create the unit and its `stdin` file, and tell the client to send
    /// the payload. Returns nil after replying with the error.
    func openUnit(workType: String, extraData: ExtraData, exchange: ControlExchange) -> (id: String, stdinFD: Int32)? {
        let id: String
        let stdinFD: Int32
        do {
            (id, _) = try store.create(workType: workType, extraData: extraData)
            stdinFD = open(try store.stdinPath(id), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard stdinFD >= 0 else { throw RunnerError("cannot create stdin: \(String(cString: strerror(errno)))") }
        } catch {
            exchange.replyError("\(error)")
            exchange.done()
            return nil
        }
        exchange.writeLine("Work unit created with ID \(id). Send stdin data and EOF.")
        statuses.update(id) { $0.detail = "Waiting for Input Data" }
        return (id, stdinFD)
    }

    /// The client went away before the end of its payload: the unit can never start.
    func failInputClosed(_ id: String) {
        statuses.update(id) { s in
            s.workState = .failed
            s.detail = "Error reading input data: the client closed the connection before EOF"
        }
    }
    /// Writes all of `buffer` to `fd` (retrying short writes and EINTR); false on an error.
    static func writeAll(_ fd: Int32, _ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    /// `work submit`: validates, creates the unit, takes the payload until the client's EOF (written
    /// to the unit's `stdin` as it arrives), then starts the command and answers `Job Started`.
    func submit(_ request: WorkRequest.Submission, exchange: ControlExchange) {
        let node = request.node
        guard node == localNode || node.lowercased() == "localhost" else {
            submitRemote(request, exchange: exchange)
            return
        }
        guard let workType = workTypes[request.workType] else {
            exchange.replyError("unknown work type \(request.workType)")
            exchange.done()
            return
        }
        if let ttl = request.ttl, !ttl.isEmpty {
            exchange.replyError("ttl option is intended for remote work only")
            exchange.done()
            return
        }
        let runtimeParams = request.params["params"]
        if let runtimeParams, !runtimeParams.isEmpty, !workType.allowRuntimeParams {
            exchange.replyError("extra params provided but not allowed")
            exchange.done()
            return
        }
        let argv: [String]
        do {
            argv = [workType.command] + (try ShellWords.split(workType.params ?? "")) + (try ShellWords.split(runtimeParams ?? ""))
        } catch {
            exchange.replyError("\(error)")
            exchange.done()
            return
        }
        let paramsText = [workType.params ?? "", runtimeParams ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
        checkSignature(required: workType.verifySignature, signature: request.signature, exchange: exchange) {
            self.createAndRun(workType: workType.workType, argv: argv, params: paramsText, exchange: exchange)
        }
    }

    private func createAndRun(workType: String, argv: [String], params: String, exchange: ControlExchange) {
        guard let (id, stdinFD) = openUnit(workType: workType, extraData: .command(pid: nil, params: params), exchange: exchange)
        else { return }
        var failed: String?
        var finished = false
        exchange.onClosed = { [weak self] in
            guard let self, !finished else { return }
            finished = true
            close(stdinFD)
            self.failInputClosed(id)
        }
        exchange.receivePayload(
            { buffer in
                guard failed == nil else { return }
                if !Self.writeAll(stdinFD, buffer) { failed = String(cString: strerror(errno)) }
            },
            end: { [weak self] in
                guard let self, !finished else { return }
                finished = true
                exchange.onClosed = nil
                close(stdinFD)
                if let failed {
                    self.statuses.update(id) { s in
                        s.workState = .failed
                        s.detail = "Error reading input data: \(failed)"
                    }
                    exchange.replyError("Error reading input data: \(failed)")
                    exchange.close()
                    return
                }
                self.launch(id, argv: argv, exchange: exchange)
            }
        )
    }

    private func launch(_ id: String, argv: [String], exchange: ControlExchange) {
        statuses.update(id) { $0.detail = "Starting Worker" }
        if cancelling[id] != nil {
            // Cancelled while the payload was arriving.
            finish(id, exit: nil)
            exchange.replyError("Error starting worker: the unit was cancelled")
            exchange.close()
            return
        }
        do {
            let supervisor = try makeSupervisor(id)
            try statuses.updateOrThrow(id) { $0.detail = "Launching command runner" }
            try supervisor.launch(runnerExecutable: runnerExecutable, argv: argv)
        } catch {
            supervisors[id] = nil
            statuses.update(id) { s in
                s.workState = .failed
                s.detail = "Error starting worker: \(error)"
            }
            exchange.replyError("Error starting worker: \(error)")
            exchange.close()
            return
        }
        exchange.reply(.object(["result": .string("Job Started"), "unitid": .string(id)]))
        exchange.close()
    }
}
