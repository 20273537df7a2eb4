import Foundation
import MeshConfig
import Testing

/// `reload` may only add, change or remove backends and `local-only`.
@Suite struct ReloadTests {
    static let base = """
        - node: {id: n1}
        - control-service: {filename: /tmp/n1.sock}
        - tcp-listener: 2222
        - tcp-peer: {address: 'n2:2222', cost: 2}
        - work-command: {worktype: echo, command: cat}
        """

    private func config(_ yaml: String) throws -> ReceptorConfig {
        try ConfigLoader.parse(yaml: yaml)
    }

    @Test func identicalConfigsReload() throws {
        let old = try config(Self.base)
        #expect(old.reloadDifference(to: try config(Self.base)) == nil)
    }

    @Test func backendChangesAreReloadable() throws {
        let old = try config(Self.base)
        let new = try config(
            """
            - work-command: {command: cat, worktype: echo}
            - node: {id: n1}
            - control-service: {filename: /tmp/n1.sock}
            - tcp-listener: {port: 2223, cost: 3}
            - udp-peer: 'n3:2222'
            - ws-listener: 8080
            - ws-peer: 'ws://n4:8080/'
            - local-only
            """
        )
        #expect(old.reloadDifference(to: new) == nil)
        #expect(new.reloadDifference(to: old) == nil)
    }

    @Test func keyOrderAndCaseDoNotMatter() throws {
        let old = try config(Self.base)
        let new = try config(
            """
            - node: {ID: n1}
            - control-service:
                FileName: /tmp/n1.sock
            - tcp-listener: 2222
            - tcp-peer: {address: 'n2:2222', cost: 2}
            - work-command: {command: cat, workType: echo}
            """
        )
        #expect(old.reloadDifference(to: new) == nil)
    }

    @Test func modifiedNonReloadableEntryIsRefused() throws {
        let old = try config(Self.base)
        let new = try config(Self.base.replacingOccurrences(of: "command: cat", with: "command: tac"))
        #expect(
            old.reloadDifference(to: new)
                == "a non-reloadable config action 'work-command' was modified or added. "
                + "Must restart receptor for these changes to take effect"
        )
    }

    @Test func addedNonReloadableEntryIsRefused() throws {
        let old = try config(Self.base)
        let new = try config(Self.base + "\n- log-level: debug")
        #expect(
            old.reloadDifference(to: new)
                == "a non-reloadable config action 'log-level' was modified or added. "
                + "Must restart receptor for these changes to take effect"
        )
    }

    @Test func removedNonReloadableEntryIsRefused() throws {
        let old = try config(Self.base)
        let new = try config(
            """
            - node: {id: n1}
            - tcp-listener: 2222
            - tcp-peer: {address: 'n2:2222', cost: 2}
            - work-command: {worktype: echo, command: cat}
            """
        )
        #expect(
            old.reloadDifference(to: new)
                == "a non-reloadable config action 'control-service' was removed. "
                + "Must restart receptor for changes to take effect"
        )
    }

    @Test func reloadableNames() {
        #expect(
            ReceptorConfig.reloadableEntryNames
                == ["tcp-peer", "tcp-listener", "ws-peer", "ws-listener", "udp-peer", "udp-listener", "local-only"]
        )
    }

    @Test func hasBackend() throws {
        #expect(try !config("- node: n1\n- control-service: {filename: /s}").hasBackend)
        #expect(try config("- node: n1\n- local-only").hasBackend)
        #expect(try config("- node: n1\n- udp-listener: 1").hasBackend)
        #expect(try config("- node: n1\n- ws-peer: 'ws://h:1/'").hasBackend)
    }
}
