import Foundation
import KMIP
import KMIPEngine
import OpenKCMCore

extension Operations {
    /// Derive Key: a new symmetric key or secret from the caller's Active key
    /// or secret `baseUID` (its usage mask allowing Derive Key when it has
    /// one; Encrypt too for the Encrypt method, which is an encryption under
    /// the base, as are its Protect Stop Date's bounds), as `derive` computes
    /// it from the base material. The new object inherits what protects the
    /// base: its subject (shredded with it), Sensitive, and not Extractable.
    /// It is sealed under its own L4 like every object, links to its base
    /// (Derivation Base Object) and the base to it (Derived Key), both records
    /// in one atomic write. The derivation runs before the base's lock is
    /// taken, on ``KMIPHeavyWork``'s thread: a long PBKDF2 holds no other request. The base's
    /// material never leaves this call, and like every use of a key it opens
    /// only while the tenant's chain does.
    func kmipDeriveKey(from baseUID: String, derived template: KMIPManagedObject, encrypting: Bool, version: KMIPVersion, caller: Caller,
                       derive: @escaping @Sendable (_ base: KMIPManagedObject, _ material: [UInt8]) throws -> [UInt8]) async throws -> String {
        let (tenant, service) = try kmipScope(caller)
        let uid = RandomUUID.make()
        return try await perform(.kmipDeriveKey, caller: caller, tenant: tenant, service: service, key: "\(baseUID) \(uid)", sync: true) { unsealed in
            let base = try await kmipObject(baseUID, tenant: tenant, service: service, unsealed)
            try Self.checkDerivationBase(base, encrypting: encrypting, version: version)
            let store = kmipStore(unsealed)
            var material = try await store.material(of: base)
            defer { material.zeroize() }
            let handoff = KMIPMaterialHandoff(material)
            var derived = try await KMIPHeavyWork.run {
                defer { handoff.zeroize() }
                return try derive(base, handoff.bytes)
            }
            defer { derived.zeroize() }

            let now = Int64(Date().timeIntervalSince1970)
            var object = template.placed(uid, tenant: tenant, service: service, now: now)
            object.links = [KMIPManagedObject.Link(type: KMIPLinkType.derivationBaseObjectLink.rawValue, uniqueIdentifier: baseUID)]
            if let subject = base.customAttributes?[KMIPManagedObject.subjectAttribute] {
                object.customAttributes = (object.customAttributes ?? [:]).merging([KMIPManagedObject.subjectAttribute: subject]) { $1 }
            }
            if base.sensitive == true { object.sensitive = true }
            if base.extractable == false { object.extractable = false }
            object.alwaysSensitive = (object.alwaysSensitive ?? false) || base.sensitive == true
            object.neverExtractable = (object.neverExtractable ?? false) || base.extractable == false
            let sealed = try await store.sealed(object, material: derived)

            try await changingObject(KMIPManagedObject.storageKey(tenant: tenant, service: service, uniqueIdentifier: baseUID)) {
                // The base as it is now: a Destroy or Revoke that landed during the derivation wins.
                var current = try await kmipObject(baseUID, tenant: tenant, service: service, unsealed)
                try Self.checkDerivationBase(current, encrypting: encrypting, version: version)
                guard (current.links?.count ?? 0) < KMIPManagedObject.maximumLinks else {
                    throw KMIPOperationError(.illegalOperation, "the base object has \(KMIPManagedObject.maximumLinks) links: derive from a new key")
                }
                current.links = (current.links ?? []) + [KMIPManagedObject.Link(type: KMIPLinkType.derivedKeyLink.rawValue, uniqueIdentifier: uid)]
                current.lastChangeDate = now
                try await store.putAll([sealed, current])
            }
            return uid
        }
    }

    /// A base a key may be derived from: an Active symmetric key or secret whose usage mask (if any) allows
    /// Derive Key, and for the Encrypt method Encrypt too, within its Protect Stop Date.
    static func checkDerivationBase(_ base: KMIPManagedObject, encrypting: Bool, version: KMIPVersion) throws(KMIPOperationError) {
        guard [KMIPObjectType.symmetricKey.rawValue, KMIPObjectType.secretData.rawValue].contains(base.objectType) else {
            throw KMIPOperationError(version >= .v2_0 ? .invalidObjectType : .invalidField, "keys are derived from a symmetric key or secret data")
        }
        guard base.state == KMIPState.active.rawValue else {
            throw KMIPOperationError.wrongState("only an Active object derives keys", version: version)
        }
        var needed = KMIPCryptographicUsageMask.deriveKey.rawValue
        if encrypting { needed |= KMIPCryptographicUsageMask.encrypt.rawValue }
        if let mask = base.cryptographicUsageMask, UInt32(bitPattern: mask) & needed != needed {
            throw KMIPOperationError(version >= .v2_0 ? .incompatibleCryptographicUsageMask : .permissionDenied,
                                     "the base object's Cryptographic Usage Mask does not allow Derive Key\(encrypting ? " and Encrypt" : "")")
        }
        if encrypting, let stop = base.protectStopDate, stop <= Int64(Date().timeIntervalSince1970) {
            throw KMIPOperationError.wrongState("the base key's Protect Stop Date has passed", version: version)
        }
    }
}
