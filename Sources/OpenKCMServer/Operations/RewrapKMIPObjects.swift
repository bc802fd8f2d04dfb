import Foundation
import OpenKCMCore

extension Operations {
    /// Moves every KMIP object of a service whose L4 is wrapped under one of
    /// `versions` (compromised L3 versions) to the service's current L3
    /// version: the L4 is opened and wrapped again inside the key chain,
    /// bound to the same context, and the object's sealed material is left
    /// as it is (it is sealed under the same L4, with the binding, not the
    /// wrapped blob, as its additional data). Each object changes under its
    /// lock and only if no one changed it meanwhile; objects already moved
    /// are skipped, so a pass cut short is finished by the next one.
    /// Returns how many moved.
    func rewrapKMIPObjects(tenant: TenantID, service: ServiceID, versions: Set<UInt32>, unsealed: ServerCore.Unsealed) async throws -> Int {
        let store = kmipStore(unsealed)
        var moved = 0
        for object in try await store.all(tenant: tenant, service: service) {
            guard let header = try? WrappedKey(parsing: object.wrappedKey).header, versions.contains(header.keyVersion) else { continue }
            let key = KMIPManagedObject.storageKey(tenant: tenant, service: service, uniqueIdentifier: object.uniqueIdentifier)
            moved += try await changingObject(key) {
                guard var current = try await store.get(object.uniqueIdentifier, tenant: tenant, service: service),
                      current.wrappedKey == object.wrappedKey
                else { return 0 }
                let context = try EncryptionContext(KMIPManagedObject.binding(current.uniqueIdentifier, tenant: tenant, service: service))
                current.wrappedKey = try await unsealed.keyChain.rewrapDataKey(
                    current.wrappedKey, tenant: tenant, service: service, context: context, subject: try current.subject)
                try await store.put(current)
                return 1
            }
        }
        return moved
    }

    /// How many KMIP objects of a service have their L4 under one of `versions`.
    func kmipObjects(tenant: TenantID, service: ServiceID, under versions: Set<UInt32>, unsealed: ServerCore.Unsealed) async throws -> Int {
        try await kmipStore(unsealed).all(tenant: tenant, service: service).count { object in
            (try? WrappedKey(parsing: object.wrappedKey)).map { versions.contains($0.header.keyVersion) } ?? false
        }
    }
}
