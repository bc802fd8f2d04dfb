public import OpenKCMCore
public import OpenKCMPostgres
public import OpenKCMServer
/// How `openkcm server` runs. Defaults: SQLite under ./data, REST on 127.0.0.1:8200.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Holds `openkcm.sqlite` and `audit.log`; created with mode 0700.
    public var dataDirectory: String
    /// Throwaway in-memory store, auto-initialised and unsealed with a dev seal.
    public var dev: Bool
    public var auditSync: AuditLogFile.SyncMode
    /// The audit log's segment size: a segment is closed (renamed
    /// `audit.log.<first sequence>`) and a new one opened past it (default 64 MiB).
    public var auditSegmentBytes: Int = 64 << 20
    /// Auto-unseal: the keystore that wraps the MasterKey, as `provider:key`:
    /// a `[keystores.<provider>]` connection and a key there, or the dev-grade
    /// `software:<key file>` (32 bytes, created with mode 0600 if missing).
    public var seal: String?
    /// While a keystore-sealed server is sealed, how often auto-unseal is tried again.
    public var autoUnsealRetryInterval: Duration = .seconds(10)
    /// How often each linked L1 is asked for its status (the kill switch's delay).
    public var l1CheckInterval: Duration = .seconds(5)
    /// How long an unreachable L1 is tolerated before its tenant locks.
    public var l1GracePeriod: Duration = .seconds(60)
    /// On a store shared with other nodes (`[storage] type = "postgres"`): how
    /// long this node serves what it holds in memory without confirming with
    /// the store that no other node changed it (and how long it waits for that
    /// answer before refusing). Announcements usually make it much sooner.
    public var freshnessBound: Duration = .seconds(1)
    /// The KMIP listener (`[kmip]`); none when nil.
    public var kmip: KMIPListenerConfiguration?
    /// The data-key channel for gateways (`[server] channel_address`); none when nil.
    public var dataKeyChannel: DataKeyChannelConfiguration?
    /// TLS for the REST API (`[server] tls_certificate_file`, `tls_key_file`):
    /// bearer tokens and wrap requests carry secrets, so anything past loopback needs it.
    public var tls: RESTTLSConfiguration?
    /// The TOML file the settings came from; SIGHUP reloads its `[keystores]` sections.
    public var configurationFile: String?
    /// The shared PostgreSQL store (`[storage] type = "postgres"`); nil: the
    /// embedded SQLite store in ``dataDirectory``. The audit log stays in
    /// ``dataDirectory`` either way: each node keeps its own.
    public var postgres: PostgresStorageConfiguration?
    /// Which plane this process plays (`--plane`, `[server] plane`): `all` by default.
    public var plane: ServerPlane = .all
    /// The region a regional core serves (`--region`, `[server] region`; `--plane crypto` only).
    public var region: RegionID?
    /// Where a regional core follows the governance plane (`--governance`, `[governance]`; `--plane crypto` only).
    public var governance: GovernanceConnection?
    /// At the governance plane (`[regions]`): each region's core URL, given to callers sent there.
    public var regionAddresses: [RegionID: String] = [:]
    /// Plain HTTP on an address other than loopback (`[server] allow_plaintext`): only behind a TLS-terminating proxy.
    public var allowPlaintext = false
    /// Open REST connections at most (`[server] max_connections`); more are closed on arrival.
    public var maximumConnections = 1024
    /// A REST connection with no request for this long is closed (`[server] idle_timeout_seconds`).
    public var idleTimeout: Duration = .seconds(60)
    /// People's sign-in through the customer's identity provider (`[oidc]`).
    public var oidc: OIDCConfiguration?
    /// Four-eyes for destructive acts (`[approvals] required`, `lifetime_seconds`); never in `--dev`.
    public var approvalPolicy = ApprovalPolicy()
    /// The platform's rotation policy (`[rotation] period_days`), and how often the schedule looks (`interval_seconds`);
    /// `enabled = false` turns the schedule off (keys then rotate only when asked).
    public var rotationDefaults = RotationDefaults()
    public var rotationInterval: Duration = .seconds(60)
    public var rotationEnabled = true
    /// The SIEM receiving the audit stream over syslog (`[audit.syslog]`); nil: the audit log stays local.
    package var auditSyslog: SyslogSink.Configuration?
    /// The SIEM's HTTPS collector receiving the audit stream in batches (`[audit.webhook]`).
    package var auditWebhook: WebhookSink.Configuration?
    /// What each keystore connection may be used for, from `[keystores.<name>] use, tenants, keys`.
    public var l1Policy = L1LinkPolicy()
    /// Provider connections from `[keystores.<name>]`: name -> field -> value.
    public var keystores: [String: [String: String]] = [:]

    public init(
        host: String = "127.0.0.1", port: Int = 8200, dataDirectory: String = "./data", dev: Bool = false,
        auditSync: AuditLogFile.SyncMode = .group, seal: String? = nil
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.dev = dev
        self.auditSync = auditSync
        self.seal = seal
    }
}
