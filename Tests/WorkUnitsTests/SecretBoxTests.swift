import Crypto
import Foundation
import Testing

@testable import WorkUnits

@Suite struct SecretBoxTests {
    @Test func sealsAndOpens() throws {
        let box = SecretBox(key: SymmetricKey(size: .bits256))
        let sealed = try box.seal("p\u{e4}ssw\u{f6}rd", context: "secret_a")
        #expect(sealed.hasPrefix("enc:v1:"))
        #expect(!sealed.contains("ssw"))
        #expect(try box.open(sealed, context: "secret_a") == "p\u{e4}ssw\u{f6}rd")
        #expect(try box.seal("same", context: "k") != box.seal("same", context: "k"))
    }

    @Test func refusesOtherContextsKeysAndTampering() throws {
        let box = SecretBox(key: SymmetricKey(size: .bits256))
        let sealed = try box.seal("value", context: "secret_a")
        let failure = "could not decrypt secret parameter secret_b: wrong key or damaged value"
        expectError(failure) { _ = try box.open(sealed, context: "secret_b") }
        let other = SecretBox(key: SymmetricKey(size: .bits256))
        expectError("could not decrypt secret parameter secret_a: wrong key or damaged value") {
            _ = try other.open(sealed, context: "secret_a")
        }
        var bytes = Data(base64Encoded: String(sealed.dropFirst(7)))!
        bytes[bytes.count - 1] ^= 1
        expectError("could not decrypt secret parameter secret_a: wrong key or damaged value") {
            _ = try box.open("enc:v1:" + bytes.base64EncodedString(), context: "secret_a")
        }
        expectError("could not decrypt secret parameter secret_a: not a sealed value") {
            _ = try box.open("plain", context: "secret_a")
        }
    }

    @Test func keyFileIsCreatedOnFirstUseWithMode0600() throws {
        let directory = try TemporaryDirectory()
        let box = SecretBox(nodeDirectory: directory.path)
        let keyPath = directory.file(".secret-key")
        #expect(box.keyPath == keyPath)
        #expect(!FileManager.default.fileExists(atPath: keyPath))
        let sealed = try box.seal("v", context: "secret_x")
        #expect(try permissions(keyPath) == 0o600)
        #expect(try Data(contentsOf: URL(fileURLWithPath: keyPath)).count == 32)
        // A second box (another process, a restart) reads the same key.
        #expect(try SecretBox(nodeDirectory: directory.path).open(sealed, context: "secret_x") == "v")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(leftovers == [".secret-key"])
    }

    @Test func openingWithoutAKeyFileFailsAndCreatesNothing() throws {
        let directory = try TemporaryDirectory()
        let sealed = try SecretBox(key: SymmetricKey(size: .bits256)).seal("v", context: "secret_x")
        let box = SecretBox(nodeDirectory: directory.path)
        expectError("could not decrypt secret parameters: key file \(directory.file(".secret-key")) does not exist") {
            _ = try box.open(sealed, context: "secret_x")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file(".secret-key")))
    }

    @Test func damagedKeyFileIsReported() throws {
        let directory = try TemporaryDirectory()
        try Data("short".utf8).write(to: URL(fileURLWithPath: directory.file(".secret-key")))
        expectError("secret key file \(directory.file(".secret-key")) is damaged: expected 32 bytes, found 5") {
            _ = try SecretBox(nodeDirectory: directory.path).seal("v", context: "secret_x")
        }
    }

    @Test func concurrentFirstUseAgreesOnOneKey() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path
        let sealed = Mutexed<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            if let value = try? SecretBox(nodeDirectory: path).seal("v\(index)", context: "secret_\(index)") {
                sealed.withLock { $0.append("\(index) \(value)") }
            }
        }
        let values = sealed.withLock { $0 }
        #expect(values.count == 16)
        let box = SecretBox(nodeDirectory: path)
        for entry in values {
            let parts = entry.split(separator: " ")
            #expect(try box.open(String(parts[1]), context: "secret_\(parts[0])") == "v\(parts[0])")
        }
    }
}

/// A value guarded by a lock, for collecting results from concurrent test threads.
final class Mutexed<Value>: @unchecked Sendable {
    // @unchecked: every access to `value` goes through `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
