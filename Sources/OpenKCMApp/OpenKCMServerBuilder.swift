import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import OpenKCMTLS
public import Logging
public import OpenKCMCore
import OpenKCMPostgres
import OpenKCMSQLite
import ServiceLifecycle
public import OpenKCMServer

/// Assembles a runnable server from a configuration: storage, keystores, the
/// audit log, the core, the router and the lifecycle services.
public struct OpenKCMServerBuilder {
    /// What was built: the application to run, and the core for tests and the CLI.
    public struct Built {
        public let application: Application<RouterResponder<OpenKCMRequestContext>>
        public let core: ServerCore
        /// The dev server's root token (dev mode only).
        public let devRootToken: String?
        /// The dev server's L1 keystore reference (dev mode only).
        public let devL1: KeystoreReference?
        /// Where the store and the audit log live.
        public let dataDirectory: String
    }

    /// Builds the server. Outside dev mode the core starts sealed, or unseals
    /// itself when its seal is a keystore; a failing seal keystore leaves it
    /// sealed with the reason logged.
    /// The configured rules, and in `--dev` the dev L1 (the software keystore) as an L1 connection.
    static func l1Policy(_ configuration: ServerConfiguration) -> L1LinkPolicy {
        var policy = configuration.l1Policy
        if configuration.dev, !policy.connections.isEmpty, policy.connections["software"] == nil {
            policy.connections["software"] = .init(uses: [.l1])
        }
        return policy
    }

    public static func build(
        _ configuration: ServerConfiguration,
        keystores: KeystoreRegistry = KeystoreRegistry(),
        logger: Logger = Logger(label: "openkcm")
    ) async throws -> Built {
        let storage: any Storage
        let closeStorage: @Sendable () async -> Void
        let auditPath: String
        var devL1: KeystoreReference?
        // Nodes sharing a store each keep their own audit chain, checkpointed under their own id.
        var nodeID: String?
        if configuration.dev {
            // The embedded default store, in a fresh directory: a throwaway.
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-dev-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let sqlite = try await SQLiteStorage.open(path: directory.appendingPathComponent("openkcm.sqlite").path)
            (storage, closeStorage) = (sqlite, { try? await sqlite.close() })
            auditPath = directory.appendingPathComponent("audit.log").path
            let l1 = SoftwareKeystore(name: "dev-l1")
            keystores.register(l1)
            devL1 = l1.reference
        } else {
            try FileManager.default.createDirectory(
                atPath: configuration.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            var location = StoreLocation(dataDirectory: configuration.dataDirectory, postgres: configuration.postgres)
            if location.postgres != nil {
                nodeID = try NodeIdentity.load(directory: configuration.dataDirectory)
                location.postgres?.nodeID = nodeID
            }
            (storage, closeStorage) = try await location.open(logger: logger)
            auditPath = configuration.dataDirectory + "/audit.log"
        }
        let renewal = TransitTokenRenewal(logger: logger)
        let connections = try KeystoreProviders.register(configuration.keystores, into: keystores)
        renewal.watch(connections.transitClients)
        let auditLog = try AuditLogFile(path: auditPath, mode: configuration.auditSync, segmentBytes: configuration.auditSegmentBytes, node: nodeID)
        let seal = try configuration.seal.map { try SealKeystoreLoader.keystore($0, registry: keystores) }
        let core = try await ServerCore(
            backend: storage, keystores: keystores, auditLog: auditLog, configuredSeal: configuration.dev ? nil : seal,
            l1GracePeriod: configuration.l1GracePeriod, nodeID: nodeID, freshnessBound: configuration.freshnessBound, plane: configuration.plane,
            region: configuration.plane == .crypto ? configuration.region : nil, l1Policy: Self.l1Policy(configuration),
            approvalPolicy: configuration.dev ? ApprovalPolicy() : configuration.approvalPolicy, rotationDefaults: configuration.rotationDefaults)

        var devRootToken: String?
        if configuration.dev {
            let seal = SoftwareKeystore(name: "dev-seal")
            keystores.register(seal)
            devRootToken = try await core.initializeWithKeystore(seal, kind: .dev)
        }
        let autoUnseal = AutoUnsealRetry(core: core, interval: configuration.autoUnsealRetryInterval, logger: logger)
        if !configuration.dev { await autoUnseal.attempt() }

        // The governance plane holds no keys: nothing that serves them starts there, whoever built the configuration.
        if configuration.plane == .governance && (configuration.kmip != nil || configuration.dataKeyChannel != nil) {
            throw SealError.misconfigured("the governance plane serves no keys: it runs no KMIP listener and no data-key channel")
        }
        // A regional core follows the governance plane; nothing else does. Its client is made last (below), once nothing can fail.
        switch (configuration.plane, configuration.governance) {
        case (.crypto, .some), (.all, nil), (.governance, nil): break
        case (.crypto, nil): throw SealError.misconfigured("a regional core needs the governance plane's address (--governance, [governance] url and token_file)")
        case (_, .some): throw SealError.misconfigured("only a regional core (--plane crypto) follows a governance plane")
        }
        let operations = Operations(core: core)
        var services: [any Service] = [
            auditLog, SealOnShutdown(core: core, closeStorage: closeStorage), autoUnseal, renewal, IdempotencySweeper(core: core, logger: logger),
        ]
        // The governance plane never calls an L1: each region checks its tenants' L1s itself.
        if configuration.plane != .governance {
            services.append(L1StatusMonitor(
                operations: operations, interval: configuration.l1CheckInterval,
                leadership: core.freshness == nil ? nil : storage as? any StorageLeadership, logger: logger))
            services.append(RewrapJobRunner(
                operations: operations, leadership: core.freshness == nil ? nil : storage as? any StorageLeadership, logger: logger))
            if configuration.rotationEnabled {
                services.append(RotationScheduler(
                    operations: operations, interval: configuration.rotationInterval,
                    leadership: core.freshness == nil ? nil : storage as? any StorageLeadership, logger: logger))
            }
        }
        let metrics = ServerMetrics()
        if let feed = storage as? any StorageChangeFeed, core.freshness != nil {
            services.append(StoreChangeFollower(feed: feed, core: core))
        }
        if let kmip = configuration.kmip {
            services.append(try KMIPListener(configuration: kmip, operations: operations, logger: logger))
        }
        if let channel = configuration.dataKeyChannel {
            services.append(try DataKeyChannelListener(configuration: channel, operations: operations, tls: configuration.tls, logger: logger))
        }
        if let file = configuration.configurationFile {
            services.append(KeystoreReload(configurationFile: file, registry: keystores, connections: connections, renewal: renewal,
                                           autoUnseal: autoUnseal, logger: logger))
        }
        // Requests the HTTP parser refuses get a problem+json 400 and an audit entry, as every other refusal does.
        // At most `maximumConnections` open at once, and none idle longer than `idleTimeout`.
        let cap = RESTConnectionCap(maximum: configuration.maximumConnections)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                ConnectionCapHandler(cap: cap, logger: logger),
                MalformedRequestHandler { correlationID, problem in
                    Task { await operations.auditUnscoped("http.malformed", caller: Caller(identity: nil, correlationID: correlationID), error: problem) }
                },
            ],
            idleTimeout: .nanoseconds(Int64(configuration.idleTimeout.components.seconds) * 1_000_000_000))
        var server = HTTPServerBuilder.http1(configuration: http1)
        if let tls = configuration.tls {
            // Read now: a bad file stops the server at start, not at the first client.
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateFile)
            guard !chain.isEmpty else { throw ConfigurationError.wrongType("server.tls_certificate_file", expected: "a PEM file with the server's certificate chain") }
            var settings = ServerTLSPolicy.server(
                certificateChain: chain.map { .certificate($0) }, privateKey: try NIOSSLPrivateKey(file: tls.keyFile, format: .pem))
            // At shutdown a client that does not answer close_notify (an idle pooled connection) is not waited for 5 s.
            settings.shutdownTimeout = .seconds(1)
            // Client certificates (regional cores at the governance plane): verified when presented; tokens say who must present one.
            if let clientCAFile = tls.clientCAFile {
                let authorities = try NIOSSLCertificate.fromPEMFile(clientCAFile)
                guard !authorities.isEmpty else { throw ConfigurationError.wrongType("server.client_ca_file", expected: "a PEM file with CA certificates") }
                settings.trustRoots = .certificates(authorities)
                settings.certificateVerification = .optionalVerification
            }
            // Built once here so that a key that does not match the certificate stops the server now.
            _ = try NIOSSLContext(configuration: settings)
            server = try .tls(.http1(configuration: http1), tlsConfiguration: settings)
        }
        if configuration.plane == .crypto, let connection = configuration.governance {
            services.append(GovernanceFollower(operations: operations, source: try GovernanceClient(connection), gracePeriod: connection.gracePeriod, logger: logger))
        }
        var oidc: OIDCAuthenticator?
        if let settings = configuration.oidc {
            let provider = try OIDCProviderClient(configuration: settings)
            services.append(provider)
            oidc = OIDCAuthenticator(configuration: settings, documents: provider)
        }
        // Made last, once nothing can fail: a sink's HTTP client must be shut down, never dropped.
        // Each SIEM sink follows the audit log on its own: one down never holds the other, nor any key operation.
        var streams: [AuditStream] = []
        if let syslog = configuration.auditSyslog {
            streams.append(AuditStream(auditLog: auditLog, sink: try SyslogSink(syslog), logger: logger))
        }
        if var webhook = configuration.auditWebhook {
            // Replicas sharing a store each stream their own chain: the batch keys name the node that wrote it.
            if let nodeID { webhook.node = nodeID }
            streams.append(AuditStream(auditLog: auditLog, sink: WebhookSink(webhook), batchSize: webhook.batchSize, logger: logger))
        }
        for stream in streams {
            services.append(stream)
            metrics.watch(stream.progress)
        }
        let application = Application(
            router: buildRouter(operations: operations, metrics: metrics, plane: configuration.plane, regionAddresses: configuration.regionAddresses, oidc: oidc),
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "openkcm"),
            services: services,
            logger: logger
        )
        return Built(
            application: application, core: core, devRootToken: devRootToken, devL1: devL1,
            dataDirectory: (auditPath as NSString).deletingLastPathComponent)
    }
}
