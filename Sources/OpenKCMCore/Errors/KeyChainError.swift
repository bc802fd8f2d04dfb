/// Why the key chain refused an operation.
public enum KeyChainError: OpenKCMError, Equatable {
    case invalidIdentifier(kind: String, reason: String)
    case tenantNotFound(TenantID)
    case tenantAlreadyExists(TenantID)
    case serviceNotFound(TenantID, ServiceID)
    case serviceAlreadyExists(TenantID, ServiceID)
    /// The tenant is locked (kill switch); nothing opens until it is unlocked.
    case tenantLocked(TenantID, reason: String)
    case versionNotFound(layer: EnvelopeLayer, version: UInt32)
    /// The version is older than the ring's minimum decryption version.
    case belowMinimumDecryptionVersion(layer: EnvelopeLayer, version: UInt32, minimum: UInt32)
    /// The key's state does not allow the operation (e.g. wrap with a deactivated key).
    case keyStateForbids(layer: EnvelopeLayer, version: UInt32, state: KeyState, operation: String)
    case invalidStateTransition(layer: EnvelopeLayer, version: UInt32, from: KeyState, to: KeyState)
    case invalidRollback(layer: EnvelopeLayer, version: UInt32, reason: String)
    case invalidMinimumDecryptionVersion(layer: EnvelopeLayer, requested: UInt32, reason: String)
    /// A rotation policy outside what is allowed (a period of 1 day to 7 years).
    case invalidRotationPolicy(String)
    /// Compromising the L2.1 version would leave `count` L3 versions it wraps
    /// that cannot be opened now (below a minimum decryption version, or in a
    /// state that does not unwrap) with no way back: refused unless forced.
    case compromiseStrandsKeys(version: UInt32, count: Int)
    /// The current version cannot be deactivated or destroyed while it is current.
    case currentVersionProtected(layer: EnvelopeLayer, version: UInt32)
    /// The blob was wrapped by a key that is not this tenant's or service's.
    case foreignKey(layer: EnvelopeLayer)
    /// The subject was destroyed (crypto-shredded): its data keys never open
    /// again, and its id is not given a new secret. `digest` is the subject's SHA-256.
    case subjectDestroyed(digest: String)
    /// The blob is bound to a subject (layer 0x41) and the request names none.
    case subjectRequired
    /// The request names a subject but the blob is a plain L4, bound to none.
    case notSubjectBound
    /// The blob does not open under this subject: it belongs to another
    /// subject (or was made with another context). `digest` is the subject's SHA-256.
    case subjectMismatch(digest: String)
    /// This node shares its store with other nodes and could not confirm with
    /// it, within the freshness bound, that what it holds for the tenant is
    /// current (the database or the connection to it is down): it refuses
    /// rather than serve a state another node may have changed (a lock, a
    /// destruction). Answers again once the store does.
    case stateUnconfirmed(TenantID, reason: String)
    /// The governance plane placed this service in another region: only that
    /// region's core holds its L3, and no other core can open its blobs.
    case serviceInOtherRegion(TenantID, ServiceID, region: RegionID)

    public var code: String {
        switch self {
        case .invalidIdentifier: "keychain.invalid_identifier"
        case .tenantNotFound: "keychain.tenant_not_found"
        case .tenantAlreadyExists: "keychain.tenant_exists"
        case .serviceNotFound: "keychain.service_not_found"
        case .serviceAlreadyExists: "keychain.service_exists"
        case .tenantLocked: "keychain.tenant_locked"
        case .versionNotFound: "keychain.version_not_found"
        case .belowMinimumDecryptionVersion: "keychain.below_min_decryption_version"
        case .keyStateForbids: "keychain.key_state_forbids"
        case .invalidStateTransition: "keychain.invalid_state_transition"
        case .invalidRollback: "keychain.invalid_rollback"
        case .invalidRotationPolicy: "keychain.invalid_rotation_policy"
        case .compromiseStrandsKeys: "keychain.compromise_strands_keys"
        case .invalidMinimumDecryptionVersion: "keychain.invalid_min_decryption_version"
        case .currentVersionProtected: "keychain.current_version_protected"
        case .foreignKey: "keychain.foreign_key"
        case .subjectDestroyed: "keychain.subject_destroyed"
        case .subjectRequired: "keychain.subject_required"
        case .notSubjectBound: "keychain.not_subject_bound"
        case .subjectMismatch: "keychain.subject_mismatch"
        case .stateUnconfirmed: "keychain.state_unconfirmed"
        case .serviceInOtherRegion: "keychain.service_in_other_region"
        }
    }

    public var description: String {
        switch self {
        case .invalidIdentifier(let kind, let reason):
            "invalid \(kind) id: \(reason)"
        case .tenantNotFound(let tenant):
            "tenant '\(tenant)' does not exist"
        case .tenantAlreadyExists(let tenant):
            "tenant '\(tenant)' already exists"
        case .serviceNotFound(let tenant, let service):
            "service '\(service)' does not exist in tenant '\(tenant)'"
        case .serviceAlreadyExists(let tenant, let service):
            "service '\(service)' already exists in tenant '\(tenant)'"
        case .tenantLocked(let tenant, let reason):
            "tenant '\(tenant)' is locked: \(reason)"
        case .versionNotFound(let layer, let version):
            "\(layer) version \(version) does not exist"
        case .belowMinimumDecryptionVersion(let layer, let version, let minimum):
            "\(layer) version \(version) is below the minimum decryption version \(minimum)"
        case .keyStateForbids(let layer, let version, let state, let operation):
            "\(layer) version \(version) is \(state) and cannot \(operation)"
        case .invalidStateTransition(let layer, let version, let from, let to):
            "\(layer) version \(version) cannot go from \(from) to \(to)"
        case .invalidRollback(let layer, let version, let reason):
            "cannot roll \(layer) back to version \(version): \(reason)"
        case .invalidRotationPolicy(let reason): "invalid rotation policy: \(reason)"
        case .compromiseStrandsKeys(let version, let count):
            "L2.1 version \(version) wraps \(count) L3 versions that cannot be opened now (lower the minimum decryption versions first), so they could never move off it; force it to give them up"
        case .invalidMinimumDecryptionVersion(let layer, let requested, let reason):
            "cannot set the \(layer) minimum decryption version to \(requested): \(reason)"
        case .currentVersionProtected(let layer, let version):
            "\(layer) version \(version) is current; rotate or roll back first"
        case .foreignKey(let layer):
            "the blob was not wrapped by this \(layer) key"
        case .subjectDestroyed:
            "the subject was destroyed: its data keys cannot be opened and its id cannot be used again"
        case .subjectRequired:
            "the data key is bound to a subject: name the subject to open it"
        case .notSubjectBound:
            "the data key is not bound to a subject: open it without one"
        case .subjectMismatch:
            "the data key does not open under this subject: it belongs to another subject or context"
        case .stateUnconfirmed(let tenant, let reason):
            "cannot confirm the state of tenant '\(tenant)' with the shared store, so nothing of it is served from memory: \(reason)"
        case .serviceInOtherRegion(let tenant, let service, let region):
            "service '\(service)' of tenant '\(tenant)' lives in region '\(region)': only that region's core holds its keys"
        }
    }
}
