public import Foundation

extension KeyChain {
    /// Checks that `blob` is an L4 (plain or subject-bound) wrapped by this
    /// service's L3, before it is revoked: a service may revoke only its own
    /// data keys, never record another scope's blob under its name. Reads
    /// the stored service record only: revoking needs no key.
    public func checkOwnDataKey(_ blob: Data, tenant: TenantID, service: ServiceID) async throws {
        let envelope = try WrappedKey(parsing: blob)
        guard envelope.header.layer == .l4 || envelope.header.layer == .l4Subject else {
            throw EnvelopeError.wrongLayer(expected: .l4, found: envelope.header.layer)
        }
        let ring = try await readService(tenant, service)
        guard ConstantTime.equals(envelope.header.keyID.bytes, ring.serviceKeys.keyID.bytes) else {
            throw KeyChainError.foreignKey(layer: .l3)
        }
        guard ring.serviceKeys.versions.contains(where: { $0.version == envelope.header.keyVersion }) else {
            throw KeyChainError.versionNotFound(layer: .l3, version: envelope.header.keyVersion)
        }
    }
}
