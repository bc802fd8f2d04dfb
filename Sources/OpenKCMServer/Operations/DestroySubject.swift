public import OpenKCMCore

extension Operations {
    /// Crypto-shreds one subject of the caller's service (execution): its
    /// secret is deleted and purged from the store, a sealed tombstone keeps
    /// its id from being used again, and connected gateways drop the keys
    /// they cached for it. Audited and fsynced like every key-state change,
    /// under the subject's keyed name (never the id or the secret).
    /// - Returns: the subject's name, as the store and the audit log call it
    ///   (``SubjectKeys/name(_:tenant:service:key:)``, hex).
    public func destroySubject(_ subject: SubjectID, tenant: TenantID, service: ServiceID, caller: Caller) async throws -> String {
        let key = await auditKey(subject, .subjectDestroy, caller: caller, tenant: tenant, service: service)
        return try await perform(.subjectDestroy, caller: caller, tenant: tenant, service: service, key: key, sync: true) { core in
            try await core.keyChain.destroySubject(subject, tenant: tenant, service: service)
        }
    }
}
