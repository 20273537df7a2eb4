import Foundation
import Testing

@testable import WorkUnits

/// A fresh directory under the system temporary directory, deleted when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/workunits-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String {
        path + "/" + name
    }
}

/// Runs a program to completion and returns its exit status and standard output.
@discardableResult
func run(_ executable: String, _ arguments: [String], input: Data? = nil) throws -> (status: Int32, output: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    let inputPipe = Pipe()
    process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
    try process.run()
    if let input {
        inputPipe.fileHandleForWriting.write(input)
        try inputPipe.fileHandleForWriting.close()
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data)
}

/// The permission bits of a file or directory.
func permissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

/// Expects `body` to throw a ``WorkUnitError`` with exactly `message`.
func expectError(
    _ message: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected error \"\(message)\", but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as WorkUnitError {
        #expect(error.message == message, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected WorkUnitError \"\(message)\", got \(error)", sourceLocation: sourceLocation)
    }
}

/// Async variant of ``expectError(_:sourceLocation:_:)``.
func expectError(
    _ message: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected error \"\(message)\", but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as WorkUnitError {
        #expect(error.message == message, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected WorkUnitError \"\(message)\", got \(error)", sourceLocation: sourceLocation)
    }
}
