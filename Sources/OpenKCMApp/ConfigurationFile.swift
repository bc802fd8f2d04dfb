import Foundation

/// The server's configuration file: a small, strict subset of TOML.
///
/// ```toml
/// # openkcm.toml
/// [server]
/// address = "127.0.0.1:8200"
/// data_dir = "/var/lib/openkcm"
/// audit_sync = "group"          # or "every-request"
///
/// [storage]                     # optional: the store replicas share
/// type = "postgres"             # default "sqlite" (in data_dir)
/// host = "db.internal"
/// user = "openkcm"
/// password_file = "/etc/openkcm/postgres.password"
/// database = "openkcm"
/// tls = "require"               # "disable" only for a database on loopback
/// ca_file = "/etc/openkcm/postgres-ca.pem"
/// ```
///
/// Only `[section]` headers, `key = "string" | integer | true | false |
/// ["string", ...]` (on one line) and comments are accepted; anything else, and any unknown key, is an error with
/// its line number, so a typo never silently falls back to a default.
public struct ConfigurationFile: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case boolean(Bool)
        /// `["a", "b"]`: strings only, on one line.
        case strings([String])
    }

    /// `section.key` -> value.
    public private(set) var values: [String: Value] = [:]

    /// Keys the server reads.
    public static let knownKeys: Set<String> = [
        "server.address", "server.data_dir", "server.audit_sync", "server.audit_segment_bytes", "server.seal", "server.plane", "server.region",
        "governance.url", "governance.token_file", "governance.ca_file", "governance.grace_period_seconds",
        "server.l1_check_interval_seconds", "server.l1_grace_period_seconds", "server.auto_unseal_retry_seconds",
        "server.tls_certificate_file", "server.tls_key_file", "server.client_ca_file",
        "governance.certificate_file", "governance.key_file", "server.channel_address",
        "kmip.address", "kmip.certificate_file", "kmip.key_file", "kmip.client_ca_file", "kmip.tls_compatibility",
        "storage.type", "storage.host", "storage.port", "storage.user", "storage.password_file", "storage.database", "storage.schema",
        "storage.tls", "storage.ca_file", "storage.max_connections", "storage.statement_timeout_seconds", "storage.freshness_bound_ms",
        "server.allow_plaintext", "server.max_connections", "server.idle_timeout_seconds",
        "approvals.required", "approvals.lifetime_seconds",
        "rotation.enabled", "rotation.period_days", "rotation.root_period_days", "rotation.decrypt_only_days", "rotation.interval_seconds",
        "oidc.issuer", "oidc.audience", "oidc.roles_claim", "oidc.leeway_seconds", "oidc.ca_file",
        "audit.syslog.address", "audit.syslog.ca_file", "audit.syslog.certificate_file", "audit.syslog.key_file",
        "audit.syslog.server_name", "audit.syslog.hostname",
        "audit.webhook.url", "audit.webhook.ca_file", "audit.webhook.token_file", "audit.webhook.batch_size",
    ]

    public init(parsing text: String) throws(ConfigurationError) {
        var section = ""
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = Self.strippingComment(rawLine).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else { throw .syntax(line: number, "a section header is [name]") }
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw .syntax(line: number, "expected key = value") }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let rawValue = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            let path = section.isEmpty ? key : "\(section).\(key)"
            guard Self.knownKeys.contains(path) || Self.isKeystoreKey(path) || Self.isRegionKey(path) || Self.isOIDCRoleKey(path) || Self.isApprovalTenantKey(path) else { throw .unknownKey(line: number, path) }
            guard values[path] == nil else { throw .syntax(line: number, "'\(path)' is set twice") }
            values[path] = try Self.value(rawValue, line: number)
        }
    }

    /// `[keystores.<name>]` fields: a provider connection that L1 links name.
    public static let keystoreFields: Set<String> = [
        "use", "tenants", "keys", "type", "endpoint", "region", "address", "token_file", "mount", "namespace", "module", "token_label", "pin_file", "mechanism",
        "vault_url", "tenant_id", "client_id", "client_secret_file", "authority", "algorithm", "credentials_file", "ca_file",
    ]

    static func isKeystoreKey(_ path: String) -> Bool {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "keystores" && !parts[1].isEmpty && keystoreFields.contains(String(parts[2]))
    }

    /// `[regions]` at the governance plane: `<region> = "<its core's URL>"`.
    static func isRegionKey(_ path: String) -> Bool {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0] == "regions" && !parts[1].isEmpty
    }

    /// `[oidc.roles]`: `<roles claim value> = "governance" | "governance:<tenant>" | "auditor"`.
    static func isOIDCRoleKey(_ path: String) -> Bool {
        let parts = path.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "oidc" && parts[1] == "roles" && !parts[2].isEmpty
    }

    /// `[approvals.tenants]`: `<tenant> = <identities its acts need>`.
    static func isApprovalTenantKey(_ path: String) -> Bool {
        let parts = path.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "approvals" && parts[1] == "tenants" && !parts[2].isEmpty
    }

    /// `[approvals.tenants]`: tenant id -> identities its acts need, as written.
    public func approvalTenants() throws(ConfigurationError) -> [String: Int] {
        var tenants: [String: Int] = [:]
        for key in values.keys where Self.isApprovalTenantKey(key) {
            guard let value = try integer(key) else { continue }
            tenants[String(key.dropFirst("approvals.tenants.".count))] = value
        }
        return tenants
    }

    /// `[oidc.roles]`: roles claim value -> what it grants, as written.
    public func oidcRoles() throws(ConfigurationError) -> [String: String] {
        var roles: [String: String] = [:]
        for key in values.keys where Self.isOIDCRoleKey(key) {
            guard let value = try string(key) else { continue }
            roles[String(key.dropFirst("oidc.roles.".count))] = value
        }
        return roles
    }

    /// `[regions]`: region name -> its core's URL.
    public func regionAddresses() throws(ConfigurationError) -> [String: String] {
        var addresses: [String: String] = [:]
        for key in values.keys where Self.isRegionKey(key) {
            guard let value = try string(key) else { continue }
            addresses[String(key.dropFirst("regions.".count))] = value
        }
        return addresses
    }

    /// Every `[keystores.<name>]` section: name -> field -> value.
    public func keystoreSections() throws(ConfigurationError) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        for key in values.keys where Self.isKeystoreKey(key) {
            let parts = key.split(separator: ".")
            // The lists (`use`, `tenants`, `keys`) are read by ``keystoreLists()``.
            if case .strings = values[key] { continue }
            guard let value = try string(key) else { continue }
            sections[String(parts[1]), default: [:]][String(parts[2])] = value
        }
        return sections
    }

    public func boolean(_ key: String) throws(ConfigurationError) -> Bool? {
        switch values[key] {
        case nil: return nil
        case .boolean(let value): return value
        default: throw .wrongType(key, expected: "true or false")
        }
    }

    /// Every list-valued `[keystores.<name>]` field (`use`, `tenants`, `keys`): name -> field -> values.
    /// A single string is taken as a list of one.
    public func keystoreLists() throws(ConfigurationError) -> [String: [String: [String]]] {
        var lists: [String: [String: [String]]] = [:]
        for key in values.keys where Self.isKeystoreKey(key) {
            let parts = key.split(separator: ".")
            let field = String(parts[2])
            guard ["use", "tenants", "keys"].contains(field) else { continue }
            switch values[key] {
            case .strings(let items): lists[String(parts[1]), default: [:]][field] = items
            case .string(let item): lists[String(parts[1]), default: [:]][field] = [item]
            default: throw .wrongType(key, expected: "a list of strings")
            }
        }
        return lists
    }

    public func integer(_ key: String) throws(ConfigurationError) -> Int? {
        switch values[key] {
        case nil: return nil
        case .integer(let value): return value
        default: throw .wrongType(key, expected: "an integer")
        }
    }

    public func string(_ key: String) throws(ConfigurationError) -> String? {
        switch values[key] {
        case nil: return nil
        case .string(let text): return text
        default: throw .wrongType(key, expected: "a string")
        }
    }

    private static func value(_ text: String, line: Int) throws(ConfigurationError) -> Value {
        if text == "true" { return .boolean(true) }
        if text == "false" { return .boolean(false) }
        if let integer = Int(text) { return .integer(integer) }
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else { throw .syntax(line: line, "a list is [\"a\", \"b\"] on one line") }
            var rest = text.dropFirst().dropLast().drop { $0 == " " }
            var items: [String] = []
            while !rest.isEmpty {
                guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else {
                    throw .syntax(line: line, "a list holds \"strings\" only, separated by commas")
                }
                let item = rest[rest.index(after: rest.startIndex)..<close]
                guard !item.contains("\\") else { throw .syntax(line: line, "quotes and backslashes inside strings are not supported") }
                items.append(String(item))
                rest = rest[rest.index(after: close)...].drop { $0 == " " }
                guard !rest.isEmpty else { break }
                guard rest.first == ",", !rest.dropFirst().drop(while: { $0 == " " }).isEmpty else {
                    throw .syntax(line: line, "list items are separated by commas")
                }
                rest = rest.dropFirst().drop { $0 == " " }
            }
            return .strings(items)
        }
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else {
            throw .syntax(line: line, "a value is a \"string\", an integer, true or false")
        }
        let inner = text.dropFirst().dropLast()
        guard !inner.contains("\""), !inner.contains("\\") else {
            throw .syntax(line: line, "quotes and backslashes inside strings are not supported")
        }
        return .string(String(inner))
    }

    private static func strippingComment(_ line: Substring) -> String {
        var inString = false
        for index in line.indices {
            if line[index] == "\"" { inString.toggle() }
            if line[index] == "#" && !inString { return String(line[..<index]) }
        }
        return String(line)
    }
}

/// Why a configuration file was refused.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    case unreadable(String)
    case syntax(line: Int, String)
    case unknownKey(line: Int, String)
    case wrongType(String, expected: String)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read the configuration file \(path)"
        case .syntax(let line, let reason): "configuration line \(line): \(reason)"
        case .unknownKey(let line, let key): "configuration line \(line): unknown key '\(key)' (known: \(ConfigurationFile.knownKeys.sorted().joined(separator: ", ")))"
        case .wrongType(let key, let expected): "configuration key '\(key)' must be \(expected)"
        }
    }
}
