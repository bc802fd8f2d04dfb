// swift-tools-version: 6.1
import PackageDescription

/// Every target is compiled with the same upcoming features, so that a file states
/// its public imports and existentials explicitly (the style Hummingbird uses).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "openkcm",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "OpenKCMCore", targets: ["OpenKCMCore"]),
        .library(name: "OpenKCMSQLite", targets: ["OpenKCMSQLite"]),
        .library(name: "OpenKCMPostgres", targets: ["OpenKCMPostgres"]),
        .library(name: "KMIP", targets: ["KMIP"]),
        .library(name: "OpenKCMPKI", targets: ["OpenKCMPKI"]),
        .executable(name: "openkcm", targets: ["openkcm"]),
        .library(name: "OpenKCMClient", targets: ["OpenKCMClient"]),
        .executable(name: "openkcm-bench", targets: ["openkcm-bench"]),
        .executable(name: "openkcm-kmip-bench", targets: ["openkcm-kmip-bench"]),
        .executable(name: "openkcm-sdk-bench", targets: ["openkcm-sdk-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // X.509 and DER for the KMIP client CA and trusted CAs, instead of hand-written DER (issue 20).
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // JWT and JWKS for OIDC sign-in (issue 20), instead of hand-written JOSE.
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        // The store replicas share (issue 18): PostgreSQL's own client, with its connection pool and TLS.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // NIOHTTPTypes: the HTTP parts Hummingbird's pipeline carries, for the handler that answers malformed requests.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // The pure core: key chain, envelope format, Shamir, barrier, and the
        // Keystore/Storage protocols. No NIO, no Hummingbird, no SQL (checked by
        // scripts/check-layering and LayeringTests).
        .target(
            name: "OpenKCMCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // KMIP's TTLV encoding and typed messages: no I/O, no knowledge of OpenKCM.
        // The binary data-key batch between a gateway and the core: a codec, no I/O.
        .target(name: "DataKeyWire", swiftSettings: swiftSettings),
        // The data-key channel's framing over NIO, shared by the core's listener and the gateway.
        .target(
            name: "DataKeyChannel",
            dependencies: ["DataKeyWire", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KMIP",
            swiftSettings: swiftSettings
        ),
        // The few X.509 certificates OpenKCM issues and reads (its KMIP client CA,
        // trusted CAs' subjects) on swift-certificates: names as RFC 4514 text, issuing, chains. No I/O.
        .target(
            name: "OpenKCMPKI",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // KMIP's message layer for a listener: the engine (versions, batches,
        // ID Placeholder, Query, handlers per operation), AES Encrypt/Decrypt as
        // KMIP parameters them, and the TTLV framer for NIO pipelines. Used by
        // the core's listener and the gateway's; it links neither.
        .target(
            name: "KMIPEngine",
            dependencies: [
                "KMIP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The embedded default store.
        .target(
            name: "OpenKCMSQLite",
            dependencies: [
                "OpenKCMCore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The store several replicas share.
        .target(
            name: "OpenKCMPostgres",
            dependencies: [
                "OpenKCMCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Composition: which store (SQLite or PostgreSQL), which keystore providers,
        // which listeners, from the configuration; and the offline tools that open
        // a node's store (backup restore, storage migrate). Above the server library,
        // so the server knows stores and providers only by their protocols.
        .target(
            name: "OpenKCMApp",
            dependencies: [
                "OpenKCMTLS",
                "OpenKCMCore",
                "OpenKCMServer",
                "OpenKCMSQLite",
                "OpenKCMPostgres",
                "OpenKCMAWSKMS",
                "OpenKCMTransit",
                "OpenKCMPKCS11",
                "OpenKCMAzureKeyVault",
                "OpenKCMGCPKMS",
                "OpenKCMKeystoreHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Krypton core server: operations (one file each), the REST layer,
        // the audit log file and the server's own services.
        .target(
            name: "OpenKCMServer",
            dependencies: [
                "OpenKCMTLS",
                "OpenKCMCore",
                "DataKeyWire",
                "DataKeyChannel",
                "KMIP",
                "KMIPEngine",
                "OpenKCMPKI",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        // L1 keystore providers, one folder each behind the core's Keystore protocol.
        .target(
            name: "OpenKCMAWSKMS",
            dependencies: [
                "OpenKCMCore",
                "OpenKCMKeystoreHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Keystores/AWSKMS",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OpenKCMTransit",
            dependencies: [
                "OpenKCMCore",
                "OpenKCMKeystoreHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Keystores/Transit",
            swiftSettings: swiftSettings
        ),
        // The HTTP and OAuth plumbing the cloud keystores share.
        .target(
            name: "OpenKCMKeystoreHTTP",
            dependencies: [
                "OpenKCMCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Keystores/HTTP",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OpenKCMAzureKeyVault",
            dependencies: [
                "OpenKCMCore", "OpenKCMKeystoreHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Keystores/AzureKeyVault",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OpenKCMGCPKMS",
            dependencies: [
                "OpenKCMCore", "OpenKCMKeystoreHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Keystores/GCPKMS",
            swiftSettings: swiftSettings
        ),
        // The PKCS#11 C interface and a dlopen shim; the header is p11-kit's, copied with its notice.
        .target(
            name: "CPKCS11",
            path: "Sources/CPKCS11",
            linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]
        ),
        .target(
            name: "OpenKCMPKCS11",
            dependencies: [
                "OpenKCMCore",
                "CPKCS11",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/Keystores/PKCS11",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "openkcm",
            dependencies: [
                "OpenKCMCore",
                "OpenKCMServer",
                "OpenKCMApp",
                "OpenKCMPostgres",
                "OpenKCMGateway",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "openkcm-bench",
            dependencies: [
                "OpenKCMCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Swift SDK for applications: envelope encryption of records and streams, data keys wrapped by OpenKCM.
        .target(
            name: "OpenKCMClient",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The one TLS policy of every listener (REST, data-key channel, KMIP at the core and the gateway).
        .target(
            name: "OpenKCMTLS",
            dependencies: [.product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: swiftSettings
        ),
        // The edge gateway: local L4s, batched wraps and unwraps at the core, a short unwrap cache, lock events.
        .target(
            name: "OpenKCMGateway",
            dependencies: [
                "OpenKCMTLS",
                "DataKeyWire",
                "DataKeyChannel",
                "KMIP",
                "KMIPEngine",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The SDK beside raw swift-crypto, and streaming memory.
        .executableTarget(
            name: "openkcm-sdk-bench",
            dependencies: ["OpenKCMClient", "OpenKCMCore", "OpenKCMGateway", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // A KMIP load generator: persistent mutual-TLS connections, closed or paced loops, latency percentiles.
        .executableTarget(
            name: "openkcm-kmip-bench",
            dependencies: [
                "KMIP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The fuzzers' seeded generator and TTLV mutations, shared by the codec's and the server's fuzz tests.
        .target(name: "TTLVFuzzSupport", path: "Tests/TTLVFuzzSupport", swiftSettings: swiftSettings),
        // Shared by the test targets: the storage conformance suite and fixtures.
        .target(
            name: "OpenKCMTestSupport",
            dependencies: ["OpenKCMCore", "OpenKCMPKCS11", "CPKCS11"],
            path: "Tests/OpenKCMTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpenKCMCoreTests",
            dependencies: [
                "OpenKCMCore",
                "OpenKCMTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "DataKeyWireTests", dependencies: ["DataKeyWire"], swiftSettings: swiftSettings),
        .testTarget(
            name: "OpenKCMClientTests",
            dependencies: ["OpenKCMClient", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpenKCMPKITests",
            dependencies: [
                "OpenKCMPKI", .product(name: "Crypto", package: "swift-crypto"), .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KMIPTests",
            dependencies: ["KMIP", "TTLVFuzzSupport"],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpenKCMSQLiteTests",
            dependencies: [
                "OpenKCMCore",
                "OpenKCMSQLite",
                "OpenKCMTestSupport",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpenKCMPostgresTests",
            dependencies: ["OpenKCMCore", "OpenKCMPostgres", "OpenKCMTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpenKCMAWSKMSTests",
            dependencies: ["OpenKCMAWSKMS", "OpenKCMCore", "OpenKCMTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpenKCMTransitTests",
            dependencies: [
                "OpenKCMTransit", "OpenKCMCore", "OpenKCMTestSupport",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Azure Key Vault and Cloud KMS cannot run here, and moto does not implement
        // AWS's key import: these tests run against local fakes that check the
        // documented wire format.
        .testTarget(
            name: "OpenKCMCloudKeystoreTests",
            dependencies: [
                "OpenKCMAzureKeyVault", "OpenKCMGCPKMS", "OpenKCMAWSKMS", "OpenKCMKeystoreHTTP", "OpenKCMCore", "OpenKCMTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpenKCMPKCS11Tests",
            dependencies: ["OpenKCMPKCS11", "CPKCS11", "OpenKCMCore", "OpenKCMTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpenKCMServerTests",
            dependencies: [
                "OpenKCMCore",
                "TTLVFuzzSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "JWTKit", package: "jwt-kit"),
                "DataKeyWire",
                "DataKeyChannel",
                .product(name: "NIOPosix", package: "swift-nio"),
                "OpenKCMClient",
                "OpenKCMGateway",
                "KMIP",
                "KMIPEngine",
                "OpenKCMServer",
                "OpenKCMApp",
                "OpenKCMSQLite",
                "OpenKCMAWSKMS",
                "OpenKCMTransit",
                "OpenKCMPKCS11",
                "CPKCS11",
                "OpenKCMAzureKeyVault",
                "OpenKCMGCPKMS",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                "OpenKCMTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
