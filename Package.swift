// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "tws",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tws-server", targets: ["Server"]),
        .executable(name: "pbx-sim", targets: ["PBXSim"]),
        .executable(name: "tws-load", targets: ["LoadClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Already a dependency of jwt-kit; named here for the password pre-hash (HMAC-SHA256).
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Webhook deliveries (issue 19): one shared HTTPClient in the WebhookDispatcher Service.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .executableTarget(
            name: "Server",
            dependencies: [
                "Endpoints", "Storage", "Auth", "Domain", "Telephony", "Connectors", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "API",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            // Generated code only: its unused-import warnings are the generator's, not ours.
            swiftSettings: [.unsafeFlags(["-suppress-warnings"])],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .target(
            name: "Endpoints",
            dependencies: [
                "API", "Auth", "Domain", "SOAP", "XML",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // The HTTP/1 parts of the pipeline and the codec to Swift HTTP Types (`DirectoryLookupHandler` sits
                // before it, the push server's channel too); Hummingbird already builds them all.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            ],
            resources: [
                .embedInCode("Contract/tws.yaml"), .embedInCode("Contract/tws.wsdl"),
                // The web client of GET /app/ (README "The web client"): static files, no build step.
                .embedInCode("Web/index.html"), .embedInCode("Web/app.css"), .embedInCode("Web/app.js"),
                // The call-me-back widget of GET /widget/ (README "The call-me-back widget").
                .embedInCode("Web/callback.js"), .embedInCode("Web/widget-demo.html"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Auth",
            dependencies: [
                "Domain",
                "CGSSAPI",
                "CLDAP",
                "LDAP",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // swift-crypto for SHA-256 (the field-map option h); nothing else outside Foundation.
        .target(name: "Domain", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),
        // SPNEGO acceptor over MIT GSSAPI (libkrb5-dev; NTLM when gss-ntlmssp is installed): a small C layer because
        // GSSAPI's macros do not import into Swift.
        .target(name: "CGSSAPI", path: "Sources/CGSSAPI", linkerSettings: [.linkedLibrary("gssapi_krb5")]),
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CLDAP", path: "Sources/CLDAP", pkgConfig: "ldap", providers: [.apt(["libldap-dev"])]),
        // The hardened libxml2 reader (no DTD, no entities, no network, size and depth limits), the element tree and
        // escaping; SOAP and the CSTA codec both read XML through it.
        .target(name: "XML", dependencies: ["CLibXML2"], swiftSettings: swiftSettings),
        // One libldap connection (options, TLS, watchdog, bind, paged search) for sign-in (Auth) and directories (Connectors).
        .target(
            name: "LDAP",
            dependencies: ["CLDAP", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // CLibXML2 directly as well: SOAP validates parsed nodes against the WSDL's schema with libxml2.
        .target(name: "SOAP", dependencies: ["XML", "CLibXML2"], swiftSettings: swiftSettings),
        .target(
            name: "Telephony",
            dependencies: [
                "Domain", "XML",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "PBXSim",
            dependencies: [
                "Telephony",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // `tws-load`: the push-channel load client of the telephony bench (WebSockets and long-polls in one process).
        .executableTarget(
            name: "LoadClient",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // SMTP with STARTTLS and AUTH through Debian's libcurl (libcurl4-openssl-dev): a small C layer because
        // curl_easy_setopt is variadic.
        .target(name: "CCurl", path: "Sources/CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // unixODBC driver manager for SQL directories: sql.h/sqlext.h plus inline wrappers for their function-like macros.
        // libical (Debian libical-dev) for calendar presence (issue 21): iCalendar parsing, RRULE expansion, VTIMEZONE.
        // glibc's malloc_trim: the server gives back what a directory synchronisation freed.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .systemLibrary(name: "CICal", path: "Sources/CICal", pkgConfig: "libical", providers: [.apt(["libical-dev"])]),
        .systemLibrary(name: "CODBC", path: "Sources/CODBC", pkgConfig: "odbc", providers: [.apt(["unixodbc-dev"])]),
        .target(
            name: "Connectors",
            dependencies: [
                "Domain", "CODBC", "CLDAP", "LDAP", "CCurl", "CICal", "XML", .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Storage",
            dependencies: ["Domain", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ConnectorsTests",
            dependencies: ["Connectors", "Domain", .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "XMLTests", dependencies: ["XML"], swiftSettings: swiftSettings),
        .testTarget(name: "SOAPTests", dependencies: ["SOAP"], swiftSettings: swiftSettings),
        .testTarget(
            name: "TelephonyTests",
            dependencies: [
                "Telephony", "XML", "Domain",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "Auth"], swiftSettings: swiftSettings),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Domain", "Auth"], swiftSettings: swiftSettings),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Server", "Endpoints", "Storage", "Auth", "Domain", "Telephony",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
