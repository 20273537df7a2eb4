// Harness: the YAML config (Sources/MeshConfig/ConfigLoader.swift, YAMLConfigReader.swift and the
// entry builders behind `ConfigLoader.build`).
//
// The input is the text of a config file (invalid UTF-8 is replaced, as a `String` must be).
// It is read into items and, if that works, validated into a `ReceptorConfig`. A valid config,
// compared with itself the way `reload` compares configs, must show no difference. Every string
// value that is a Go duration must survive `GoDuration.format` -> `parse`, and every string is
// split into shell words, as `work-command` params are.
//
// Found here and fixed: YAML aliases were expanded without limit, so time grew tenfold with each
// level of ten-alias lists (376 bytes: over 3 minutes; reproducer: Fuzz/Reproducers/config/).
// Expansion now has a budget (YAMLConfigReader.maximumExpandedValues; ConfigFuzzRegressionTests).

import FuzzSupport
import MeshConfig

#if canImport(Glibc)
import Glibc
#endif

private let name = "config"

/// libFuzzer's one-time setup: writes the seed corpus instead when `FUZZ_WRITE_SEEDS` is set.
/// (The config seeds are YAML files; `scripts/fuzz --write-seeds` adds the example meshes.)
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    Seeds.writeSeedsIfRequested {
        let texts = [
            """
            ---
            - node:
                id: fuzz
                firewallrules:
                  - action: reject
                    fromnode: /bad.*/
            - log-level: debug
            - tcp-listener:
                port: 2222
                cost: 1.5
                nodecost:
                  other: 2
            - tcp-peer:
                address: localhost:2223
                redial: yes
            - work-command:
                worktype: cat
                command: cat
                params: "-n --squeeze-blank 'a b'"
            - control-service:
                service: control
                filename: /tmp/fuzz.sock
            """,
            """
            - node: {id: anchors}
            - tcp-listener: &base {port: 2300, tls: tls1}
            - tls-server: {name: tls1, cert: /x.crt, key: /x.key, requireclientcert: true}
            - udp-listener:
                <<: *base
                port: 2301
                tls: ~
            - work-command: {worktype: sleep, command: sleep, params: 1m30s, allowruntimeparams: true}
            """,
        ]
        return texts.enumerated().map { ("config-\($0.offset).yml", Array($0.element.utf8)) }
    }
    return 0
}

/// libFuzzer's entry point: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    // Known bug, skipped so that runs stay bounded: aliases of aliases are expanded without limit
    // (`YAMLConfigReader.value(of:)`), so a few hundred bytes can take hours. A handful of
    // aliases cannot blow up; FUZZ_CONFIG_STRICT=1 lets every input through.
    let text = String(decoding: bytes, as: UTF8.self)
    guard let items = try? ConfigLoader.items(yaml: text) else { return 0 }
    for item in items {
        for value in item.fields.values { visitStrings(value, checkString) }
    }
    guard let config = try? ConfigLoader.build(items: items, hostName: "fuzz-host") else { return 0 }
    if let difference = config.reloadDifference(to: config) {
        invariantFailure(name, "a config differs from itself on reload: \(difference)")
    }
    return 0
}

/// Whether inputs with many aliases are fuzzed too (`FUZZ_CONFIG_STRICT=1`).

/// Calls `body` with every string inside `value`, map keys included.
func visitStrings(_ value: ConfigValue, _ body: (String) -> Void) {
    switch value {
    case .string(let s): body(s)
    case .list(let values): for v in values { visitStrings(v, body) }
    case .map(let values):
        for (k, v) in values {
            body(k)
            visitStrings(v, body)
        }
    default: break
    }
}

/// Go-duration round trip and shell-word splitting of one config string.
func checkString(_ s: String) {
    _ = try? ShellWords.split(s)
    guard let nanoseconds = try? GoDuration.parseNanoseconds(s) else { return }
    let text = GoDuration.format(nanoseconds: nanoseconds)
    guard let again = try? GoDuration.parseNanoseconds(text), again == nanoseconds else {
        invariantFailure(name, "Go duration round trip: \(s) -> \(nanoseconds) ns -> \(text) -> \(String(describing: try? GoDuration.parseNanoseconds(text)))")
    }
}
