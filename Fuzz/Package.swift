// swift-tools-version: 6.1
// libFuzzer harnesses for the decoders at receptord's trust boundaries. A package of its own so
// that `--sanitize fuzzer` never reaches the main build; see README.md and scripts/fuzz.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder (lower-cased), and a clone can live in a
// folder of any name, so the identity used in `.product(package:)` is derived here.
let rootIdentity = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .lastPathComponent
    .lowercased()

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// One harness: an executable whose entry point is libFuzzer's `main`. `other` names products of
/// the other dependencies (the root package's own come from `products`).
func harness(_ name: String, _ products: [String], nio: Bool = true, other: [Target.Dependency] = []) -> Target {
    var dependencies: [Target.Dependency] = ["FuzzSupport"]
    if nio { dependencies.append("ProtocolSamples") }
    dependencies += products.map { .product(name: $0, package: rootIdentity) }
    if nio { dependencies.append(.product(name: "NIOCore", package: "swift-nio")) }
    dependencies += other
    return .executableTarget(name: "fuzz-\(name)", dependencies: dependencies, swiftSettings: swiftSettings)
}

let package = Package(
    name: "receptord-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // The same ranges as the root package's (the certificates harness builds certificates).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .target(name: "FuzzSupport", swiftSettings: swiftSettings),
        // Sample protocol values: the seed corpus of the protocol harnesses and their tests.
        .target(
            name: "ProtocolSamples",
            dependencies: [
                .product(name: "MeshProtocol", package: rootIdentity),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        harness("link-frames", ["MeshProtocol"]),
        harness("mesh-messages", ["MeshProtocol"]),
        harness("routing-ads", ["MeshProtocol"]),
        harness("stream-frames", ["MeshProtocol"]),
        // The stream state machine driven by hostile frames and user calls in any order.
        harness("stream-machine", ["MeshProtocol", "MeshStreams"]),
        harness("control", ["MeshProtocol"]),
        harness("router", ["MeshProtocol", "MeshRouter"]),
        harness("config", ["MeshConfig"], nio: false),
        // Hello checks, the failure detector and the UDP link's reliable-datagram machine, fed
        // datagrams through a lossy, reordering network with arbitrary timing.
        harness("link-handshake", ["MeshProtocol", "MeshNode"]),
        // A peer's certificate chain as DER: parsing, pins, node-ID names, the verifier.
        harness(
            "certificates",
            ["MeshNode"],
            nio: false,
            other: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
    ]
)
