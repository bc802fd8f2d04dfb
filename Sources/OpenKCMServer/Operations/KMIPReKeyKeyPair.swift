import Foundation
import KMIP
import KMIPEngine
import OpenKCMCore

extension Operations {
    /// ReKey Key Pair: a fresh key pair replacing the private key `uid` and
    /// the public key it links to, with their attributes (algorithm, size or
    /// curve, usage masks, parameters, groups). The new keys take over the old
    /// ones' names; each pair is linked to its replacement both ways
    /// (Replacement Object, Replaced Object), and the new keys to each other.
    /// Active at once when the old private key was Active and no Offset is
    /// given, as ReKey does. One transaction: all four records or none.
    /// Returns (private, public) identifiers.
    func kmipReKeyKeyPair(_ uid: String, offset: Int64?, version: KMIPVersion, caller: Caller) async throws -> (privateKey: String, publicKey: String) {
        let (tenant, service) = try kmipScope(caller)
        let newPrivateUID = RandomUUID.make()
        let newPublicUID = RandomUUID.make()
        return try await perform(.kmipReKeyKeyPair, caller: caller, tenant: tenant, service: service, key: "\(uid) \(newPrivateUID) \(newPublicUID)", sync: true) { unsealed in
            try await changingObject(KMIPManagedObject.storageKey(tenant: tenant, service: service, uniqueIdentifier: uid)) {
                let oldPrivate = try await kmipObject(uid, tenant: tenant, service: service, unsealed)
                guard oldPrivate.objectType == KMIPObjectType.privateKey.rawValue else {
                    throw KMIPOperationError(version >= .v2_0 ? .invalidObjectType : .illegalOperation, "ReKey Key Pair takes a private key")
                }
                guard let publicUID = oldPrivate.links?.first(where: { $0.type == KMIPLinkType.publicKeyLink.rawValue })?.uniqueIdentifier else {
                    throw KMIPOperationError(.illegalOperation, "the private key has no Public Key Link: it was registered alone")
                }
                let oldPublic = try await kmipObject(publicUID, tenant: tenant, service: service, unsealed)
                guard let raw = oldPrivate.cryptographicAlgorithm, let algorithm = KMIPCryptographicAlgorithm(rawValue: raw) else {
                    throw KMIPOperationError(.illegalOperation, "the private key has no Cryptographic Algorithm")
                }
                var pair = try KMIPAsymmetricKey.generate(algorithm: algorithm, length: oldPrivate.cryptographicLength, curve: nil)
                defer { pair.privateKey.zeroize() }
                let now = Int64(Date().timeIntervalSince1970)
                let active = oldPrivate.state == KMIPState.active.rawValue && (offset ?? 0) == 0
                func replacement(of old: KMIPManagedObject, _ newUID: String, _ key: KMIPAsymmetricKey, pairedWith other: String, link: KMIPLinkType) -> KMIPManagedObject {
                    var object = old
                    object.uniqueIdentifier = newUID
                    object.cryptographicLength = key.bitLength
                    object.keyFormatType = key.defaultFormat.rawValue
                    object.initialDate = now
                    object.lastChangeDate = now
                    object.deactivationDate = nil
                    object.destroyDate = nil
                    object.digest = nil
                    object.generatedHere = true
                    object.state = active ? KMIPState.active.rawValue : KMIPState.preActive.rawValue
                    object.activationDate = active ? (offset == nil ? old.activationDate : now) : nil
                    object.links = [KMIPManagedObject.Link(type: link.rawValue, uniqueIdentifier: other),
                                    KMIPManagedObject.Link(type: KMIPLinkType.replacedObjectLink.rawValue, uniqueIdentifier: old.uniqueIdentifier)]
                    return object
                }
                let store = kmipStore(unsealed)
                _ = try await store.create(replacement(of: oldPrivate, newPrivateUID, pair.privateKey, pairedWith: newPublicUID, link: .publicKeyLink),
                                           material: pair.privateKey.bytes)
                _ = try await store.create(replacement(of: oldPublic, newPublicUID, pair.publicKey, pairedWith: newPrivateUID, link: .privateKeyLink),
                                           material: pair.publicKey.bytes)
                for (old, newUID) in [(oldPrivate, newPrivateUID), (oldPublic, newPublicUID)] {
                    var updated = old
                    updated.names = []
                    updated.links = (old.links ?? []) + [KMIPManagedObject.Link(type: KMIPLinkType.replacementObjectLink.rawValue, uniqueIdentifier: newUID)]
                    updated.lastChangeDate = now
                    try await store.put(updated)
                }
                return (newPrivateUID, newPublicUID)
            }
        }
    }
}
