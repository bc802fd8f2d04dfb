public import OpenKCMCore

extension Operations {
    /// Makes an L4 and wraps it under the service's current L3 (execution).
    /// Returning the plaintext key is this operation's contract.
    /// With a `subject`, the key is bound to it (crypto-shredded with it).
    public func generateDataKey(
        tenant: TenantID, service: ServiceID, context: EncryptionContext, subject: SubjectID? = nil, caller: Caller
    ) async throws -> DataKey {
        try await perform(.dataKeyGenerate, caller: caller, tenant: tenant, service: service, key: await auditKey(subject, .dataKeyGenerate, caller: caller, tenant: tenant, service: service)) { core in
            try await core.keyChain.generateDataKey(tenant: tenant, service: service, context: context, subject: subject)
        }
    }
}
