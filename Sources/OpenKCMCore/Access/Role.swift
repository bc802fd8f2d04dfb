/// What an identity may do. Roles are separate on purpose: whoever governs
/// keys cannot use them, and whoever uses them cannot change their policy.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Identities, governance, audit and sealing; no data-key operations.
    case root
    /// Tenants, L1 links, key rotation and services; no data-key operations.
    case governance
    /// Data-key operations for one (tenant, service), nothing else.
    case crypto
    /// Reads and verifies the audit log, nothing else.
    case auditor
    /// A regional core (`--plane crypto`) at the governance plane: reads its
    /// own region's tenants and services, nothing else.
    case core

    public var description: String { rawValue }
}
