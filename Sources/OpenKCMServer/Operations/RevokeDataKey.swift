public import Foundation
public import OpenKCMCore

extension Operations {
    /// Revokes one data key (L4) of the caller's service by its wrapped blob:
    /// every later unwrap or rewrap of that blob is refused, and connected
    /// gateways drop their cached copies (execution). This is a deny-list, not
    /// crypto-shredding: the L3 could still open the blob, so whoever holds
    /// the store and a MasterKey could too. Shredding is per subject
    /// (``destroySubject(_:tenant:service:caller:)``).
    ///
    /// Only a blob of this service is taken (an L4 or subject-bound L4 under
    /// its L3 key id and an existing version): another scope's blob is
    /// refused with ``KeyChainError/foreignKey(layer:)``, and audited, rather
    /// than recorded under this service. Returns the blob's SHA-256, hex.
    public func revokeDataKey(_ blob: Data, tenant: TenantID, service: ServiceID, caller: Caller) async throws -> String {
        let digest = RevokedDataKeys.digest(blob)
        return try await perform(.dataKeyRevoke, caller: caller, tenant: tenant, service: service, key: "datakey:\(digest)", sync: true) { unsealed in
            try await unsealed.keyChain.checkOwnDataKey(blob, tenant: tenant, service: service)
            let digest = try await core.revokedDataKeys.add(blob, tenant: tenant, service: service, storage: core.barrier)
            unsealed.keyChain.announceDataKeyRevoked(tenant: tenant, service: service, digest: digest)
            return digest
        }
    }

    /// Refuses a blob that was revoked.
    func refuseIfDestroyed(_ blob: Data, tenant: TenantID, service: ServiceID) async throws {
        if try await core.revokedDataKeys.contains(blob, tenant: tenant, service: service, storage: core.barrier) {
            throw DataKeyRevokedError(digest: RevokedDataKeys.digest(blob))
        }
    }
}
