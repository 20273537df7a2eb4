import Foundation
import NIOEmbedded
import Testing

@testable import MeshNode

@Suite struct MeshMetricsTests {
    @Test func failedStatusWritesAreACounter() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let loop = EmbeddedEventLoop()
        let core = MeshCore(settings: MeshSettings(nodeID: "M", dataDirectory: directory, version: "test"), loop: loop, logger: quietLogger)
        let metrics = MeshMetrics(core: core)
        var failures: UInt64 = 0
        metrics.workStatusWriteFailures = { failures }

        func scrapedValue() -> String? {
            let text = String(decoding: metrics.scrape(), as: UTF8.self)
            let line = text.split(separator: "\n").first { $0.hasPrefix("receptord_work_status_write_failures_total ") }
            return line.map { String($0.split(separator: " ").last ?? "") }
        }
        #expect(scrapedValue() == "0")
        failures = 3
        #expect(scrapedValue() == "3")
        failures = 5
        #expect(scrapedValue() == "5")
    }
}
