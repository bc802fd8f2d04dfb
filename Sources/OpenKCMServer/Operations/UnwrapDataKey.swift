public import Crypto
public import Foundation
public import OpenKCMCore

extension Operations {
    /// Opens an L4 blob for its own tenant, service and context (execution).
    /// A subject-bound blob opens only with its `subject`, a plain one only without.
    public func unwrapDataKey(
        _ blob: Data, tenant: TenantID, service: ServiceID, context: EncryptionContext, subject: SubjectID? = nil, caller: Caller
    ) async throws -> SymmetricKey {
        try await perform(.dataKeyUnwrap, caller: caller, tenant: tenant, service: service, key: await auditKey(subject, .dataKeyUnwrap, caller: caller, tenant: tenant, service: service)) { core in
            try await refuseIfDestroyed(blob, tenant: tenant, service: service)
            return try await core.keyChain.unwrapDataKey(blob, tenant: tenant, service: service, context: context, subject: subject)
        }
    }
}
