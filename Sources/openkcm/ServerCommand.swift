import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import OpenKCMCore
import OpenKCMPostgres
import OpenKCMServer
import Synchronization
import OpenKCMApp

/// `openkcm server`: the Krypton core. Starts sealed unless `--dev`.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the OpenKCM core server (REST).",
        discussion: """
            Starts sealed: only /v1/sys/health and /v1/sys/seal-status answer until it is initialized \
            (POST /v1/sys/init) and unsealed (POST /v1/sys/unseal). With --dev it runs on a throwaway \
            SQLite store in a temporary directory, initialised and unsealed with a dev seal, and prints a root token.
            Settings come from flags, then environment variables (OPENKCM_ADDRESS as host:port, OPENKCM_DATA_DIR, \
            OPENKCM_AUDIT_SYNC, OPENKCM_SEAL), then the --config file (TOML: [server] address, data_dir, audit_sync, seal, tls_certificate_file and tls_key_file for HTTPS, channel_address), then defaults.
            """
    )

    /// swift-log may be bootstrapped once per process.
    static let loggingBootstrapped = Mutex(false)

    @Flag(help: "Quickstart mode: throwaway store, dev seal, root token printed. Not for production.")
    var dev = false

    @Option(help: "Which plane: all (default: everything in one process), governance (tenants as L1 references, services with their region, identities; no keys, no data-key operations), or crypto (a regional core: needs --region and --governance). Also OPENKCM_PLANE or [server] plane.")
    var plane: String?

    @Option(help: "The region a regional core (--plane crypto) serves, e.g. eu-central. Also OPENKCM_REGION or [server] region.")
    var region: String?

    @Option(help: "A regional core's governance plane, its REST URL; the core's token is read from [governance] token_file (or OPENKCM_GOVERNANCE_TOKEN_FILE). Also OPENKCM_GOVERNANCE or [governance] url.")
    var governance: String?

    @Option(help: "Configuration file (TOML).")
    var config: String?

    @Option(help: "Listen address, host:port (default 127.0.0.1:8200).")
    var address: String?

    @Option(name: .customLong("data-dir"), help: "Directory for openkcm.sqlite and audit.log (default ./data).")
    var dataDirectory: String?

    @Option(help: "Auto-unseal keystore, provider:key: a [keystores.<provider>] connection and a key there, or software:<key file> (dev only).")
    var seal: String?

    @Option(name: .customLong("channel-address"), help: "Also listen for gateways' data-key channel on host:port (TLS when REST has TLS).")
    var channelAddress: String?

    @Option(name: .customLong("audit-sync"), help: "Audit fsync policy: group (default; fsync at most every 10 ms, key-state changes before answering) or every-request.")
    var auditSync: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var file = try ConfigurationFile(parsing: "")
        if let config {
            guard let text = try? String(contentsOfFile: config, encoding: .utf8) else { throw ValidationError("\(ConfigurationError.unreadable(config))") }
            do { file = try ConfigurationFile(parsing: text) } catch { throw ValidationError("\(error)") }
        }
        let fromFile = { (key: String) throws -> String? in
            do { return try file.string(key) } catch { throw ValidationError("\(error)") }
        }
        let addressText = try address ?? environment["OPENKCM_ADDRESS"] ?? fromFile("server.address") ?? "127.0.0.1:8200"
        guard let colon = addressText.lastIndex(of: ":"), let port = Int(addressText[addressText.index(after: colon)...]),
              (0...65535).contains(port)
        else { throw ValidationError("--address must be host:port, got '\(addressText)'") }
        let syncText = try auditSync ?? environment["OPENKCM_AUDIT_SYNC"] ?? fromFile("server.audit_sync") ?? "group"
        guard let sync = AuditLogFile.SyncMode(rawValue: syncText) else {
            throw ValidationError("--audit-sync must be group or every-request, got '\(syncText)'")
        }
        var configuration = ServerConfiguration(
            host: String(addressText[..<colon]),
            port: port,
            dataDirectory: try dataDirectory ?? environment["OPENKCM_DATA_DIR"] ?? fromFile("server.data_dir") ?? "./data",
            dev: dev,
            auditSync: sync,
            seal: try seal ?? environment["OPENKCM_SEAL"] ?? fromFile("server.seal")
        )
        do {
            configuration.keystores = try file.keystoreSections()
            configuration.l1Policy = try Self.l1Policy(file, connections: Set(configuration.keystores.keys))
            if let seal = configuration.seal, let colon = seal.firstIndex(of: ":"),
               let connection = configuration.l1Policy.connections[String(seal[..<colon])], !connection.uses.contains(.seal) {
                throw ValidationError("the seal \(seal) is in [keystores.\(seal[..<colon])], whose use does not include \"seal\"")
            }
            configuration.configurationFile = config
            if let bytes = try file.integer("server.audit_segment_bytes") {
                guard bytes >= 4096 else { throw ValidationError("server.audit_segment_bytes must be at least 4096") }
                configuration.auditSegmentBytes = bytes
            }
            if let seconds = try file.integer("server.l1_check_interval_seconds") {
                guard seconds >= 1 else { throw ValidationError("server.l1_check_interval_seconds must be at least 1") }
                configuration.l1CheckInterval = .seconds(seconds)
            }
            switch (try file.string("server.tls_certificate_file"), try file.string("server.tls_key_file")) {
            case (let certificate?, let key?):
                configuration.tls = RESTTLSConfiguration(certificateFile: certificate, keyFile: key, clientCAFile: try file.string("server.client_ca_file"))
            case (nil, nil): break
            default: throw ValidationError("[server] tls_certificate_file and tls_key_file go together")
            }
            if configuration.tls == nil, try file.string("server.client_ca_file") != nil {
                throw ValidationError("[server] client_ca_file needs tls_certificate_file and tls_key_file")
            }
            // Tokens travel on every request: plain HTTP only on loopback, or behind a TLS-terminating proxy when the operator says so.
            configuration.allowPlaintext = try file.boolean("server.allow_plaintext") ?? false
            if configuration.tls == nil, !configuration.allowPlaintext, !Self.isLoopback(configuration.host) {
                throw ValidationError("plain HTTP on \(addressText) would carry tokens in the clear: set [server] tls_certificate_file and tls_key_file, "
                                      + "or allow_plaintext = true when a TLS-terminating proxy is in front (or listen on 127.0.0.1)")
            }
            if let connections = try file.integer("server.max_connections") {
                guard (1...1_000_000).contains(connections) else { throw ValidationError("server.max_connections must be 1 to 1000000") }
                configuration.maximumConnections = connections
            }
            if let seconds = try file.integer("server.idle_timeout_seconds") {
                guard (1...3600).contains(seconds) else { throw ValidationError("server.idle_timeout_seconds must be 1 to 3600") }
                configuration.idleTimeout = .seconds(seconds)
            }
            if let address = try file.string("kmip.address") {
                guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port),
                      let certificate = try file.string("kmip.certificate_file"), let key = try file.string("kmip.key_file")
                else { throw ValidationError("[kmip] needs address = \"host:port\", certificate_file and key_file (client_ca_file is optional)") }
                configuration.kmip = KMIPListenerConfiguration(host: String(address[..<colon]), port: port, certificateFile: certificate,
                                                               keyFile: key, clientCAFile: try file.string("kmip.client_ca_file"))
                switch try file.string("kmip.tls_compatibility") {
                case nil, "none": break
                case "kmip-1.x-suites": configuration.kmip?.kmip1AuthenticationSuites = true
                case let other?: throw ValidationError("kmip.tls_compatibility is \"none\" or \"kmip-1.x-suites\", got '\(other)'")
                }
            }
            if let address = try channelAddress ?? file.string("server.channel_address") {
                guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
                    throw ValidationError("--channel-address (server.channel_address) must be host:port, got '\(address)'")
                }
                configuration.dataKeyChannel = DataKeyChannelConfiguration(
                    host: String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port)
            }
            if let seconds = try file.integer("server.auto_unseal_retry_seconds") {
                guard seconds >= 1 else { throw ValidationError("server.auto_unseal_retry_seconds must be at least 1") }
                configuration.autoUnsealRetryInterval = .seconds(seconds)
            }
            let planeText = try plane ?? environment["OPENKCM_PLANE"] ?? file.string("server.plane") ?? "all"
            guard let chosen = ServerPlane(rawValue: planeText) else { throw ValidationError("--plane must be all, governance or crypto, got '\(planeText)'") }
            configuration.plane = chosen
            let regionText = try region ?? environment["OPENKCM_REGION"] ?? file.string("server.region")
            let governanceURL = try governance ?? environment["OPENKCM_GOVERNANCE"] ?? file.string("governance.url")
            if chosen == .crypto {
                guard let regionText, let governanceURL else {
                    throw ValidationError("a regional core (--plane crypto) needs --region and --governance (or [server] region and [governance] url)")
                }
                guard !dev else { throw ValidationError("--dev runs every plane in one process: a regional core runs without --dev") }
                do { configuration.region = try RegionID(regionText) } catch { throw ValidationError("--region: \(error)") }
                guard let tokenFile = try environment["OPENKCM_GOVERNANCE_TOKEN_FILE"] ?? file.string("governance.token_file") else {
                    throw ValidationError("a regional core needs [governance] token_file: the token of a core identity for its region")
                }
                var connection = GovernanceConnection(url: governanceURL, tokenFile: tokenFile, caFile: try file.string("governance.ca_file"))
                switch (try file.string("governance.certificate_file"), try file.string("governance.key_file")) {
                case (let certificate?, let key?): (connection.certificateFile, connection.keyFile) = (certificate, key)
                case (nil, nil): break
                default: throw ValidationError("[governance] certificate_file and key_file go together")
                }
                if let seconds = try file.integer("governance.grace_period_seconds") {
                    guard (2...86_400).contains(seconds) else { throw ValidationError("governance.grace_period_seconds must be 2 to 86400") }
                    connection.gracePeriod = .seconds(seconds)
                }
                configuration.governance = connection
            } else if regionText != nil || governanceURL != nil {
                throw ValidationError("--region and --governance are for a regional core (--plane crypto)")
            }
            let regionAddresses = try file.regionAddresses()
            if !regionAddresses.isEmpty {
                guard chosen == .governance else { throw ValidationError("[regions] (each region's core URL) is for the governance plane") }
                for (name, address) in regionAddresses {
                    guard let url = URL(string: address), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                        throw ValidationError("[regions] \(name) must be a core's URL, got '\(address)'")
                    }
                    do { configuration.regionAddresses[try RegionID(name)] = address } catch { throw ValidationError("[regions] \(name): \(error)") }
                }
            }
            if chosen == .governance && (configuration.kmip != nil || configuration.dataKeyChannel != nil) {
                throw ValidationError("the governance plane serves no keys: remove [kmip] and the data-key channel (they belong to the regional cores)")
            }
            configuration.oidc = try Self.oidc(file)
            configuration.auditSyslog = try AuditStreamSettings.syslog(file)
            configuration.auditWebhook = try AuditStreamSettings.webhook(file, node: ProcessInfo.processInfo.hostName)
            if let required = try file.integer("approvals.required") {
                guard (1...16).contains(required) else { throw ValidationError("approvals.required must be 1 (off) to 16 identities") }
                configuration.approvalPolicy.required = required
                if dev && required > 1 { Console.error("--dev: [approvals] is off (every act runs at once)") }
            }
            if let seconds = try file.integer("approvals.lifetime_seconds") {
                guard (60...604_800).contains(seconds) else { throw ValidationError("approvals.lifetime_seconds must be 60 to 604800 (a week)") }
                configuration.approvalPolicy.lifetime = .seconds(seconds)
            }
            if let enabled = try file.boolean("rotation.enabled") { configuration.rotationEnabled = enabled }
            if let days = try file.integer("rotation.period_days") {
                guard (1...(7 * 365)).contains(days) else { throw ValidationError("rotation.period_days must be 1 to 2555 (7 years)") }
                configuration.rotationDefaults.periodSeconds = days * 86_400
            }
            if let days = try file.integer("rotation.decrypt_only_days") {
                guard (1...(7 * 365)).contains(days) else { throw ValidationError("rotation.decrypt_only_days must be 1 to 2555 (7 years)") }
                configuration.rotationDefaults.decryptOnlySeconds = days * 86_400
            }
            if let days = try file.integer("rotation.root_period_days") {
                guard (1...(7 * 365)).contains(days) else { throw ValidationError("rotation.root_period_days must be 1 to 2555 (7 years)") }
                configuration.rotationDefaults.rootPeriodSeconds = days * 86_400
            }
            if let seconds = try file.integer("rotation.interval_seconds") {
                guard (10...86_400).contains(seconds) else { throw ValidationError("rotation.interval_seconds must be 10 to 86400") }
                configuration.rotationInterval = .seconds(seconds)
            }
            for (tenant, required) in try file.approvalTenants() {
                guard (1...16).contains(required) else { throw ValidationError("approvals.tenants.\(tenant) must be 1 to 16 identities") }
                guard let id = try? TenantID(tenant) else { throw ValidationError("approvals.tenants: '\(tenant)' is not a tenant id") }
                configuration.approvalPolicy.tenants[id] = required
            }
            configuration.postgres = try Self.postgres(file)
            if dev && configuration.postgres != nil {
                throw ValidationError("--dev runs on a throwaway SQLite store: remove [storage] from the configuration")
            }
            if let milliseconds = try file.integer("storage.freshness_bound_ms") {
                guard (50...60_000).contains(milliseconds) else { throw ValidationError("storage.freshness_bound_ms must be between 50 and 60000") }
                configuration.freshnessBound = .milliseconds(milliseconds)
            }
            if let seconds = try file.integer("server.l1_grace_period_seconds") {
                guard seconds >= 0 else { throw ValidationError("server.l1_grace_period_seconds must not be negative") }
                configuration.l1GracePeriod = .seconds(seconds)
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(error)")
        }
        if !Self.loggingBootstrapped.withLock({ let done = $0; $0 = true; return done }) {
            LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
            // Run Swift Concurrency jobs on NIO's event loops: a request then stays on
            // the thread that read it instead of hopping to the global pool and back.
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        var logger = Logger(label: "openkcm")
        logger.logLevel = .info
        let built = try await OpenKCMServerBuilder.build(configuration, logger: logger)
        if let token = built.devRootToken, let l1 = built.devL1 {
            // Unbuffered, so the token shows at once even when stdout is a pipe or a file.
            FileHandle.standardOutput.write(Data("""
                ==> WARNING: dev mode, not for production. The MasterKey is held by a throwaway dev seal \
                that dies with this process: the store below can never be unsealed again.
                ==> REST:       \(configuration.tls == nil ? "http" : "https")://\(addressText)
                ==> data:       \(built.dataDirectory)\(configuration.dataKeyChannel.map { "\n==> channel:    \($0.host):\($0.port) (gateways: --core-channel)" } ?? "")
                ==> root token: \(token)
                ==> dev L1:     provider "\(l1.provider)", key "\(l1.key)"

                Try, in another terminal:
                    export OPENKCM_ADDR=\(configuration.tls == nil ? "http" : "https")://\(addressText) OPENKCM_TOKEN=\(token)
                    curl -s -H "Authorization: Bearer $OPENKCM_TOKEN" $OPENKCM_ADDR/v1/sys/seal-status

                """.utf8))
        }
        try await built.application.runService()
    }
}

extension ServerCommand {
    /// `[storage]`: nil for the embedded SQLite store (the default), else the
    /// PostgreSQL store replicas share. The password comes from a file only.
    /// Each connection's `use` (`["l1"]`, `["seal"]`, `["shard"]` or several; all three when not said, as before
    /// the setting existed), `tenants` it serves and `keys` tenants may link (exact, or a prefix ending in `*`).
    static func l1Policy(_ file: ConfigurationFile, connections: Set<String>) throws -> L1LinkPolicy {
        let lists = try file.keystoreLists()
        var policy = L1LinkPolicy()
        for name in connections.union(lists.keys) {
            let fields = lists[name] ?? [:]
            var uses = Set(KeystoreUse.allCases)
            if let declared = fields["use"] {
                uses = []
                for use in declared {
                    guard let parsed = KeystoreUse(rawValue: use) else {
                        throw ValidationError("[keystores.\(name)] use takes \"l1\", \"seal\" and \"shard\", got '\(use)'")
                    }
                    uses.insert(parsed)
                }
                guard !uses.isEmpty else { throw ValidationError("[keystores.\(name)] use names nothing: the connection could not be used") }
            }
            var tenants: Set<TenantID>?
            if let names = fields["tenants"] {
                tenants = []
                for tenant in names {
                    do { tenants?.insert(try TenantID(tenant)) } catch { throw ValidationError("[keystores.\(name)] tenants: \(error)") }
                }
            }
            if fields["tenants"] != nil || fields["keys"] != nil, !uses.contains(.l1) {
                throw ValidationError("[keystores.\(name)] tenants and keys are for L1 connections (use including \"l1\")")
            }
            policy.connections[name] = L1LinkPolicy.Connection(uses: uses, tenants: tenants, keys: fields["keys"])
        }
        return policy
    }

    /// 127.0.0.0/8, ::1 and localhost: addresses no other machine reaches.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
    }

    /// `[oidc]`: issuer and audience together, every `[oidc.roles]` value a grant, a leeway of at most 5 minutes.
    static func oidc(_ file: ConfigurationFile) throws -> OIDCConfiguration? {
        let roles = try file.oidcRoles()
        guard let issuer = try file.string("oidc.issuer") else {
            let stray = ["oidc.audience", "oidc.roles_claim", "oidc.leeway_seconds", "oidc.ca_file"].filter { file.values[$0] != nil }
            guard stray.isEmpty && roles.isEmpty else { throw ValidationError("[oidc] needs issuer (and audience) for \(stray.first ?? "roles")") }
            return nil
        }
        guard OIDCConfiguration.isAcceptableURL(issuer) else {
            throw ValidationError("oidc.issuer must be an https:// URL (plain http only on loopback), got '\(issuer)'")
        }
        guard let audience = try file.string("oidc.audience"), !audience.isEmpty else {
            throw ValidationError("[oidc] needs audience: the client id tokens are issued for")
        }
        var grants: [String: OIDCRoleGrant] = [:]
        for (value, text) in roles {
            guard let grant = OIDCRoleGrant(parsing: text) else {
                throw ValidationError("[oidc.roles] \(value) must be \"governance\", \"governance:<tenant>\" or \"auditor\", got '\(text)'")
            }
            grants[value] = grant
        }
        guard !grants.isEmpty else { throw ValidationError("[oidc.roles] maps no claim value to a role: nobody could sign in") }
        var configuration = OIDCConfiguration(issuer: issuer, audience: audience, grants: grants, caFile: try file.string("oidc.ca_file"))
        if let claim = try file.string("oidc.roles_claim") {
            guard !claim.isEmpty else { throw ValidationError("oidc.roles_claim must name a claim") }
            configuration.rolesClaim = claim
        }
        if let seconds = try file.integer("oidc.leeway_seconds") {
            guard (0...300).contains(seconds) else { throw ValidationError("oidc.leeway_seconds must be 0 to 300") }
            configuration.leeway = .seconds(seconds)
        }
        return configuration
    }

    static func postgres(_ file: ConfigurationFile) throws -> PostgresStorageConfiguration? {
        let type = try file.string("storage.type") ?? "sqlite"
        let postgresKeys = ConfigurationFile.knownKeys.filter { $0.hasPrefix("storage.") && $0 != "storage.type" }
        switch type {
        case "sqlite":
            if let stray = postgresKeys.sorted().first(where: { file.values[$0] != nil }) {
                throw ValidationError("\(stray) is for [storage] type = \"postgres\"")
            }
            return nil
        case "postgres":
            break
        default:
            throw ValidationError("[storage] type must be \"sqlite\" or \"postgres\", got '\(type)'")
        }
        guard let host = try file.string("storage.host"), let user = try file.string("storage.user"),
              let database = try file.string("storage.database")
        else { throw ValidationError("[storage] type = \"postgres\" needs host, user and database (password_file, port, schema, tls, ca_file are optional)") }
        let port = try file.integer("storage.port") ?? 5432
        guard (1...65535).contains(port) else { throw ValidationError("storage.port must be 1 to 65535") }
        var password: String?
        if let path = try file.string("storage.password_file") {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("cannot read storage.password_file \(path)") }
            password = text.trimmingCharacters(in: .newlines)
        }
        let loopback = ["127.0.0.1", "::1", "localhost"].contains(host)
        let tls: PostgresStorageConfiguration.TLSMode
        switch try file.string("storage.tls") ?? "require" {
        case "require": tls = .require(caFile: try file.string("storage.ca_file"))
        case "disable":
            // Records are barrier ciphertext, but the password and which keys exist are not: no plain TCP off the host.
            guard loopback else { throw ValidationError("storage.tls = \"disable\" is only allowed for a database on loopback") }
            guard try file.string("storage.ca_file") == nil else { throw ValidationError("storage.ca_file needs storage.tls = \"require\"") }
            tls = .disable
        case let other: throw ValidationError("storage.tls must be \"require\" or \"disable\", got '\(other)'")
        }
        var configuration = PostgresStorageConfiguration(
            host: host, port: port, username: user, password: password, database: database,
            schema: try file.string("storage.schema") ?? "public", tls: tls)
        if let connections = try file.integer("storage.max_connections") {
            guard (1...1000).contains(connections) else { throw ValidationError("storage.max_connections must be 1 to 1000") }
            configuration.maximumConnections = connections
        }
        if let seconds = try file.integer("storage.statement_timeout_seconds") {
            guard (1...600).contains(seconds) else { throw ValidationError("storage.statement_timeout_seconds must be 1 to 600") }
            configuration.statementTimeout = .seconds(seconds)
        }
        return configuration
    }
}
