public import Foundation
public import OpenKCMCore

extension Operations {
    /// Rewraps an L4 blob under the service's current L3 version (execution).
    public func rewrapDataKey(
        _ blob: Data, tenant: TenantID, service: ServiceID, context: EncryptionContext, subject: SubjectID? = nil, caller: Caller
    ) async throws -> Data {
        try await perform(.dataKeyRewrap, caller: caller, tenant: tenant, service: service, key: await auditKey(subject, .dataKeyRewrap, caller: caller, tenant: tenant, service: service)) { core in
            try await refuseIfDestroyed(blob, tenant: tenant, service: service)
            return try await core.keyChain.rewrapDataKey(blob, tenant: tenant, service: service, context: context, subject: subject)
        }
    }
}
