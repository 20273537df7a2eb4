// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "receptord",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "receptord", targets: ["receptord"]),
        .executable(name: "receptorctl", targets: ["receptorctl"]),
        .executable(name: "mesh-bench", targets: ["mesh-bench"]),
        // Libraries for the fuzz harnesses in Fuzz/ (a separate package built with -sanitize=fuzzer).
        .library(name: "MeshProtocol", targets: ["MeshProtocol"]),
        .library(name: "MeshRouter", targets: ["MeshRouter"]),
        .library(name: "MeshConfig", targets: ["MeshConfig"]),
        .library(name: "MeshStreams", targets: ["MeshStreams"]),
        // For the link-handshake and certificates harnesses (the few types they use are public).
        .library(name: "MeshNode", targets: ["MeshNode"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Pure: bytes <-> values. Depends on NIOCore only.
        .target(
            name: "MeshProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Pure: the mesh stream state machine (reliability, flow control, the data contract).
        .target(
            name: "MeshStreams",
            dependencies: [
                "MeshProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Pure: link-state database and shortest paths.
        .target(
            name: "MeshRouter",
            dependencies: ["MeshProtocol"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Pure: receptor v1 YAML config -> typed, validated values. MeshProtocol for its JSON
        // parser and string writer (list and map values, quoting in error texts).
        .target(
            name: "MeshConfig",
            dependencies: ["MeshProtocol", .product(name: "Yams", package: "Yams")],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // posix_openpt and friends, which Swift's Glibc module does not import (command-service).
        .target(name: "CPseudoTerminal"),
        // The runtime: SwiftNIO + NIOSSL.
        .target(
            name: "MeshNode",
            dependencies: [
                "MeshProtocol", "MeshStreams", "MeshRouter", "MeshConfig", "CPseudoTerminal",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WorkUnits",
            dependencies: [
                "MeshNode", "MeshConfig", "MeshProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "receptord",
            dependencies: [
                "MeshNode", "MeshConfig", "WorkUnits",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Pure: what AWX computes from the mesh (capacity, node roles and liveness, topology).
        .target(
            name: "ControlPlane",
            dependencies: ["MeshProtocol", .product(name: "Yams", package: "Yams")],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ControlPlaneTests", dependencies: ["ControlPlane", "MeshProtocol"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "receptorctl",
            dependencies: [
                "MeshProtocol", "ControlPlane",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mesh-bench",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the test targets (no product; tests only).
        .target(name: "MeshTestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "MeshProtocolTests",
            dependencies: [
                "MeshProtocol", "MeshTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeshStreamsTests",
            dependencies: [
                "MeshStreams", "MeshProtocol", "MeshTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "MeshRouterTests", dependencies: ["MeshRouter", "MeshProtocol", "MeshTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WorkUnitsTests",
            dependencies: [
                "WorkUnits", "MeshNode", "MeshProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "MeshConfigTests", dependencies: ["MeshConfig"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MeshNodeTests",
            dependencies: [
                "MeshNode", "MeshProtocol", "MeshConfig", "MeshTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
