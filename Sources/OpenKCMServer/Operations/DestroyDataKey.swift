public import Foundation
public import OpenKCMCore

extension Operations {
    /// Crypto-shreds one data key (L4) by its wrapped blob: every later unwrap
    /// or rewrap of it is refused, and connected gateways drop their cached
    /// copies (execution). Returns the blob's SHA-256, hex.
    public func destroyDataKey(_ blob: Data, tenant: TenantID, service: ServiceID, caller: Caller) async throws -> String {
        try await perform(.dataKeyDestroy, caller: caller, tenant: tenant, service: service, sync: true) { unsealed in
            // Only a blob of this service's shape is taken: an L4 envelope, not arbitrary bytes.
            let wrapped = try WrappedKey(parsing: blob)
            guard wrapped.header.layer == .l4 else { throw EnvelopeError.wrongLayer(expected: .l4, found: wrapped.header.layer) }
            let digest = try await core.destroyedDataKeys.add(blob, tenant: tenant, service: service, storage: core.barrier)
            unsealed.keyChain.announceDataKeyDestroyed(tenant: tenant, service: service, digest: digest)
            return digest
        }
    }

    /// Refuses a blob that was destroyed.
    func refuseIfDestroyed(_ blob: Data, tenant: TenantID, service: ServiceID) async throws {
        if try await core.destroyedDataKeys.contains(blob, tenant: tenant, service: service, storage: core.barrier) {
            throw DataKeyDestroyedError(digest: DestroyedDataKeys.digest(blob))
        }
    }
}
