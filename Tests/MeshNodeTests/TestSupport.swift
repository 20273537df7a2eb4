import Foundation
import Logging
import MeshProtocol
import NIOCore
import Testing

@testable import MeshNode

/// A logger that drops everything, so test output stays readable.
let quietLogger = Logger(label: "mesh-node-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// A fresh directory under /tmp (short, so unix socket paths stay under the 108-byte limit).
/// The caller removes it with ``removeTemporaryDirectory(_:)``.
func makeTemporaryDirectory() throws -> String {
    var template = Array("/tmp/mnt.XXXXXX".utf8CString)
    guard let result = mkdtemp(&template) else {
        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
    }
    return String(cString: result)
}

func removeTemporaryDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Decodes the link frames in `buffer` (everything in it must be whole frames).
func decodeFrames(_ buffer: ByteBuffer) throws -> [LinkFrame] {
    var b = buffer
    var decoder = LinkFrameDecoder()
    var frames: [LinkFrame] = []
    while let frame = try decoder.decode(buffer: &b) { frames.append(frame) }
    #expect(b.readableBytes == 0, "partial frame left over")
    return frames
}

struct TestTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

extension EventLoopFuture where Value: Sendable {
    /// The value, or a ``TestTimeout`` after `limit`.
    func get(within limit: TimeAmount, _ what: String) async throws -> Value {
        let promise = eventLoop.makePromise(of: Value.self)
        cascade(to: promise)
        let timer = eventLoop.scheduleTask(in: limit) { promise.fail(TestTimeout(what: what)) }
        defer { timer.cancel() }
        return try await promise.futureResult.get()
    }
}
