import Testing

@testable import ControlPlane

@Suite("AWX capacity")
struct CapacityTests {
    @Test("this machine's figures from awx-integration.md 2.4")
    func awxExample() {
        let c = Capacity(cpus: 2, memoryBytes: 25_276_502_016)
        #expect(c.cpuCapacity == 8)
        #expect(c.memCapacity == 220)
        #expect(c.capacity == 220)
        var half = Capacity.Settings()
        half.adjustment = 0.5
        #expect(Capacity(cpus: 2, memoryBytes: 25_276_502_016, settings: half).capacity == 114)
        var zero = Capacity.Settings()
        zero.adjustment = 0
        #expect(Capacity(cpus: 2, memoryBytes: 25_276_502_016, settings: zero).capacity == 8)
        var k8s = Capacity.Settings()
        k8s.reservedMemoryBytes = 0
        #expect(Capacity(cpus: 2, memoryBytes: 25_276_502_016, settings: k8s).memCapacity == 241)
    }

    @Test("floors of 1 for tiny or negative inputs")
    func floors() {
        let c = Capacity(cpus: 0.1, memoryBytes: 1 << 30)
        #expect(c.cpuCapacity == 1)
        #expect(c.memCapacity == 1)
        #expect(c.capacity == 1)
    }

    @Test("the worker-info output parses; missing keys are AWX's error")
    func workerInfo() throws {
        let info = try WorkerInfo.parse(
            "{cpu_count: 2, errors: [], mem_in_bytes: 25276502016, runner_version: 2.4.3, uuid: c09144c8-905f-4f1b-bf9c-b2aedc159d67}\n\n"
        )
        #expect(info.cpuCount == 2 && info.memoryBytes == 25_276_502_016 && info.runnerVersion == "2.4.3")
        #expect(info.errors.isEmpty)
        do {
            _ = try WorkerInfo.parse("{cpu_count: 2, errors: []}")
            Issue.record("missing keys were accepted")
        } catch {
            #expect(error.description == "Worker failed to return keys mem_in_bytes runner_version")
        }
        #expect(throws: WorkerInfo.ParseError.self) { try WorkerInfo.parse("usage: ansible-runner [-h]\nerror: unrecognized arguments: --worker-info") }
        let broken = try WorkerInfo.parse("{errors: [no memory info], cpu_count: 1}")
        #expect(broken.errors == ["no memory info"])
    }
}
