public import Crypto
public import Foundation
public import OpenKCMCore

extension Operations {
    /// Opens an L4 blob for its own tenant, service and context (execution).
    public func unwrapDataKey(_ blob: Data, tenant: TenantID, service: ServiceID, context: EncryptionContext, caller: Caller) async throws -> SymmetricKey {
        try await perform(.dataKeyUnwrap, caller: caller, tenant: tenant, service: service) { core in
            try await refuseIfDestroyed(blob, tenant: tenant, service: service)
            return try await core.keyChain.unwrapDataKey(blob, tenant: tenant, service: service, context: context)
        }
    }
}
