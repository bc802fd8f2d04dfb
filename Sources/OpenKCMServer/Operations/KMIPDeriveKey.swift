import Foundation
import KMIP
import KMIPEngine
import OpenKCMCore

extension Operations {
    /// Derive Key: a new symmetric key or secret from the caller's Active key
    /// or secret `baseUID` (its usage mask allowing Derive Key when it has
    /// one), as `derive` computes it from the base material. The new object is
    /// sealed under its own L4 like every object; it links to its base
    /// (Derivation Base Object) and the base to it (Derived Key), in one
    /// transaction. The base's material never leaves this call, and like every
    /// use of a key it opens only while the tenant's chain does: after an L1
    /// unlink or the tenant's destruction no derivation runs.
    func kmipDeriveKey(from baseUID: String, derived template: KMIPManagedObject, version: KMIPVersion, caller: Caller,
                       derive: @Sendable (_ base: KMIPManagedObject, _ material: [UInt8]) throws -> [UInt8]) async throws -> String {
        let (tenant, service) = try kmipScope(caller)
        let uid = RandomUUID.make()
        return try await perform(.kmipDeriveKey, caller: caller, tenant: tenant, service: service, key: "\(baseUID) \(uid)", sync: true) { unsealed in
            try await changingObject(KMIPManagedObject.storageKey(tenant: tenant, service: service, uniqueIdentifier: baseUID)) {
                var base = try await kmipObject(baseUID, tenant: tenant, service: service, unsealed)
                guard [KMIPObjectType.symmetricKey.rawValue, KMIPObjectType.secretData.rawValue].contains(base.objectType) else {
                    throw KMIPOperationError(version >= .v2_0 ? .invalidObjectType : .invalidField, "keys are derived from a symmetric key or secret data")
                }
                guard base.state == KMIPState.active.rawValue else {
                    throw KMIPOperationError.wrongState("only an Active object derives keys", version: version)
                }
                if let mask = base.cryptographicUsageMask, UInt32(bitPattern: mask) & KMIPCryptographicUsageMask.deriveKey.rawValue == 0 {
                    throw KMIPOperationError(version >= .v2_0 ? .incompatibleCryptographicUsageMask : .permissionDenied,
                                             "the base object's Cryptographic Usage Mask does not allow Derive Key")
                }
                let store = kmipStore(unsealed)
                var material = try await store.material(of: base)
                defer { material.zeroize() }
                var derived = try derive(base, material)
                defer { derived.zeroize() }

                let now = Int64(Date().timeIntervalSince1970)
                var object = template
                object.uniqueIdentifier = uid
                object.tenant = tenant.rawValue
                object.service = service.rawValue
                object.state = KMIPState.preActive.rawValue
                object.initialDate = now
                object.lastChangeDate = now
                object.links = [KMIPManagedObject.Link(type: KMIPLinkType.derivationBaseObjectLink.rawValue, uniqueIdentifier: baseUID)]
                object = object.applyingDates(now: now)
                _ = try await store.create(object, material: derived)
                base.links = (base.links ?? []) + [KMIPManagedObject.Link(type: KMIPLinkType.derivedKeyLink.rawValue, uniqueIdentifier: uid)]
                base.lastChangeDate = now
                try await store.put(base)
                return uid
            }
        }
    }
}
