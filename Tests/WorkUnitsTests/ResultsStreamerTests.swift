import Foundation
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import WorkUnits

/// A unit's output file and status, as a results stream sees them, without a manager.
final class FakeResultsSource: ResultsSource {
    let embedded = EmbeddedEventLoop()
    var loop: any EventLoop { embedded }
    let logger = Logger(label: "results-streamer-tests")
    let directory: TemporaryDirectory
    /// The unit's status, or the error reading it gives.
    var status: Result<WorkStatus, WorkUnitError> = .success(WorkStatus(state: .running, detail: "Running", workType: "echo"))
    private var wakers: [String: [() -> Void]] = [:]
    private(set) var statusReads = 0

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// Cancels the timers left (an `EmbeddedEventLoop` must not be freed with any).
    func shutdown() {
        #expect(throws: Never.self) { try self.embedded.syncShutdownGracefully() }
    }

    func stdoutPath(of id: String) throws -> String {
        guard UnitID.isValid(id) else { throw WorkUnitError.unknownUnit(id) }
        return directory.file(id + ".stdout")
    }

    func stdoutSize(of id: String) -> Int64 {
        guard let path = try? stdoutPath(of: id) else { return 0 }
        return FileIO.regularFileSize(path) ?? 0
    }

    func status(of id: String) throws -> WorkStatus {
        statusReads += 1
        return try status.get()
    }

    func onNextChange(of id: String, _ wake: @escaping () -> Void) { wakers[id, default: []].append(wake) }

    var waiting: Int { wakers.values.map(\.count).reduce(0, +) }

    /// Appends to the unit's output (as its command would).
    func append(_ id: String, _ bytes: [UInt8]) throws {
        let path = try stdoutPath(of: id)
        if !FileManager.default.fileExists(atPath: path) { try Data().write(to: URL(fileURLWithPath: path)) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    func append(_ id: String, _ text: String) throws { try append(id, Array(text.utf8)) }

    /// Wakes the streams waiting on `id` (as the supervisor does on every change).
    func change(_ id: String) { wakers.removeValue(forKey: id)?.forEach { $0() } }

    func finish(_ id: String) {
        status = .success(WorkStatus(state: .succeeded, detail: "exit status 0", stdoutSize: stdoutSize(of: id), workType: "echo"))
    }
}

/// A control session's raw output as a results stream writes it.
final class FakeResultsSink: ResultsSink {
    var isWritable = true
    var onWritable: (() -> Void)?
    var onClosed: (() -> Void)?
    private(set) var received: [UInt8] = []
    private(set) var writes = 0
    private(set) var closed = false
    /// After this many bytes the sink says it is full (until `drain()`).
    var capacity = Int.max

    var text: String { String(decoding: received, as: UTF8.self) }

    func write(_ buffer: ByteBuffer) {
        #expect(!closed, "no write after the session was closed")
        received += buffer.readableBytesView
        writes += 1
        if received.count >= capacity { isWritable = false }
    }

    func close() {
        #expect(!closed, "the session is closed once")
        closed = true
    }

    /// The client has read everything: writable again.
    func drain(capacity: Int = .max) {
        self.capacity = capacity
        isWritable = true
        onWritable?()
    }

    /// The client goes away.
    func disconnect() { onClosed?() }
}

@Suite("Results streaming")
struct ResultsStreamerTests {
    let id = "Unit1234"

    func streamer(_ source: FakeResultsSource, _ sink: FakeResultsSink, offset: Int64 = 0) -> (ResultsStreamer, () -> ResultsStreamer.Outcome?) {
        var ended: [ResultsStreamer.Outcome] = []
        let streamer = ResultsStreamer(source: source, id: id, offset: offset, sink: sink)
        streamer.onEnd = { ended.append($0) }
        streamer.start()
        return (streamer, {
            #expect(ended.count <= 1, "the stream ends once")
            return ended.first
        })
    }

    @Test("a growing stdout file is streamed as it grows, woken by changes and by the poll, until the unit ends")
    func growingFile() throws {
        let source = try FakeResultsSource()
        defer { source.shutdown() }
        let sink = FakeResultsSink()
        try source.append(id, "hello ")
        let (_, outcome) = streamer(source, sink)
        #expect(sink.text == "hello ")
        #expect(outcome() == nil)
        #expect(source.waiting == 1, "waits for the unit's next change")

        // A change wakes the stream at once, before any timer.
        try source.append(id, "world")
        source.change(id)
        #expect(sink.text == "hello world")

        // Output written without a wake-up is found by the 5 ms poll.
        try source.append(id, "\nline 2\n")
        source.embedded.advanceTime(by: ResultsStreamer.pollInterval)
        #expect(sink.text == "hello world\nline 2\n")
        #expect(outcome() == nil)
        #expect(!sink.closed)

        // The unit ends: the stream closes once the status is read again.
        try source.append(id, "last")
        source.finish(id)
        source.change(id)
        source.embedded.advanceTime(by: ResultsStreamer.statusInterval)
        #expect(sink.text == "hello world\nline 2\nlast")
        #expect(outcome() == .complete)
        #expect(sink.closed)
        #expect(sink.onWritable == nil && sink.onClosed == nil)

        // Nothing more is sent, and no timer is left.
        try source.append(id, "after the end")
        source.change(id)
        source.embedded.advanceTime(by: .seconds(1))
        #expect(sink.text == "hello world\nline 2\nlast")
    }

    @Test("the status is read at most every status interval while output keeps coming")
    func statusReadsAreThrottled() throws {
        let source = try FakeResultsSource()
        defer { source.shutdown() }
        let sink = FakeResultsSink()
        let (_, outcome) = streamer(source, sink)
        #expect(source.statusReads == 1)
        for i in 0..<4 {
            try source.append(id, "\(i)")
            source.change(id)
        }
        #expect(sink.text == "0123")
        #expect(source.statusReads == 1, "wake-ups within the interval do not re-read the status")
        source.embedded.advanceTime(by: ResultsStreamer.statusInterval)
        #expect(source.statusReads == 2)
        #expect(outcome() == nil)
    }

    @Test("a unit that has ended is sent whole from the offset, through backpressure, then the session closes")
    func endedUnitAllBytes() throws {
        let source = try FakeResultsSource()
        defer { source.shutdown() }
        let sink = FakeResultsSink()
        // Three and a half chunks, so the file takes several reads.
        let bytes = (0..<(ResultsStreamer.chunkSize * 7 / 2)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try source.append(id, bytes)
        source.finish(id)
        sink.capacity = ResultsStreamer.chunkSize  // full after the first chunk
        let (_, outcome) = streamer(source, sink, offset: 10)
        #expect(sink.received.count == ResultsStreamer.chunkSize)
        #expect(outcome() == nil, "waits for the client, not for a timer")
        source.embedded.advanceTime(by: .seconds(1))
        #expect(sink.received.count == ResultsStreamer.chunkSize, "nothing is written while the client is full")
        sink.drain()
        #expect(sink.received == Array(bytes[10...]))
        #expect(outcome() == .complete)
        #expect(sink.closed)
    }

    @Test("an offset past the end, or a negative one, is handled")
    func offsets() throws {
        let source = try FakeResultsSource()
        defer { source.shutdown() }
        try source.append(id, "abc")
        source.finish(id)
        let past = FakeResultsSink()
        let (_, pastOutcome) = streamer(source, past, offset: 100)
        #expect(past.received.isEmpty)
        #expect(pastOutcome() == .complete)
        let negative = FakeResultsSink()
        let (_, negativeOutcome) = streamer(source, negative, offset: -5)
        #expect(negative.text == "abc")
        #expect(negativeOutcome() == .complete)
    }

    @Test("the stream stops when the session closes: no more reads, writes or timers")
    func sessionCloses() throws {
        let source = try FakeResultsSource()
        defer { source.shutdown() }
        let sink = FakeResultsSink()
        try source.append(id, "partial")
        let (_, outcome) = streamer(source, sink)
        #expect(sink.text == "partial")
        sink.disconnect()
        #expect(outcome() == .sessionClosed)
        #expect(!sink.closed, "the session is already gone: not closed again")
        let reads = source.statusReads
        try source.append(id, " more")
        source.change(id)
        source.embedded.advanceTime(by: .seconds(1))
        #expect(sink.text == "partial")
        #expect(source.statusReads == reads)
    }

    @Test("a unit released while streaming ends the stream with unitRemoved and closes the session")
    func removedUnit() throws {
        let source = try FakeResultsSource()
        defer { source.shutdown() }
        let sink = FakeResultsSink()
        try source.append(id, "out")
        let (_, outcome) = streamer(source, sink)
        source.status = .failure(WorkUnitError.unknownUnit(id))
        source.embedded.advanceTime(by: ResultsStreamer.pollInterval)
        #expect(outcome() == nil, "noticed at the next status read")
        source.embedded.advanceTime(by: ResultsStreamer.statusInterval)
        #expect(outcome() == .unitRemoved)
        #expect(sink.closed)
        #expect(sink.text == "out")
    }

    @Test("an invalid ID has no output: the stream ends at once with unitRemoved")
    func invalidID() throws {
        let source = try FakeResultsSource()
        defer { source.shutdown() }
        let sink = FakeResultsSink()
        var ended: ResultsStreamer.Outcome?
        let streamer = ResultsStreamer(source: source, id: "../etc", offset: 0, sink: sink)
        streamer.onEnd = { ended = $0 }
        streamer.start()
        #expect(ended == .unitRemoved)
        #expect(sink.closed)
        #expect(sink.received.isEmpty)
    }

    @Test("an unreadable status ends the stream and says why")
    func unreadableStatus() throws {
        let source = try FakeResultsSource()
        defer { source.shutdown() }
        let sink = FakeResultsSink()
        source.status = .failure(WorkUnitError(.corruptStatus, "work unit \(id): bad JSON"))
        let (_, outcome) = streamer(source, sink)
        #expect(outcome() == .statusUnreadable("work unit \(id): bad JSON"))
        #expect(sink.closed)
    }

    @Test("output that does not exist yet is picked up once the file appears")
    func fileAppearsLater() throws {
        let source = try FakeResultsSource()
        defer { source.shutdown() }
        let sink = FakeResultsSink()
        let (_, outcome) = streamer(source, sink)
        #expect(sink.received.isEmpty)
        try source.append(id, "late")
        source.change(id)
        #expect(sink.text == "late")
        source.finish(id)
        source.embedded.advanceTime(by: ResultsStreamer.statusInterval)
        #expect(outcome() == .complete)
    }
}
