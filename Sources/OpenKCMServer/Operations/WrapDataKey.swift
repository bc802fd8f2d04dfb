public import Crypto
public import Foundation
public import OpenKCMCore

extension Operations {
    /// Wraps an L4 made at the edge under the service's current L3 (execution).
    public func wrapDataKey(_ key: SymmetricKey, tenant: TenantID, service: ServiceID, context: EncryptionContext, caller: Caller) async throws -> Data {
        try await perform(.dataKeyWrap, caller: caller, tenant: tenant, service: service) { core in
            try await core.keyChain.wrapDataKey(key, tenant: tenant, service: service, context: context)
        }
    }
}
