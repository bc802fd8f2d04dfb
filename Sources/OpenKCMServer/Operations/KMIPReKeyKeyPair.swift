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
    /// Dates as ReKey sets them (``KMIPManagedObject/replacement(_:now:offset:links:)``).
    /// One atomic write: all four records or none.
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
                // The pair as the server made it: a public key that links back (links a client adds are not followed).
                guard oldPublic.objectType == KMIPObjectType.publicKey.rawValue, oldPublic.cryptographicAlgorithm == oldPrivate.cryptographicAlgorithm,
                      oldPublic.links?.contains(where: { $0.type == KMIPLinkType.privateKeyLink.rawValue && $0.uniqueIdentifier == uid }) == true else {
                    throw KMIPOperationError(.illegalOperation, "the private key's Public Key Link does not name its public key")
                }
                guard let raw = oldPrivate.cryptographicAlgorithm, let algorithm = KMIPCryptographicAlgorithm(rawValue: raw) else {
                    throw KMIPOperationError(.illegalOperation, "the private key has no Cryptographic Algorithm")
                }
                let length = oldPrivate.cryptographicLength
                var pair = try await KMIPHeavyWork.run { try KMIPAsymmetricKey.generate(algorithm: algorithm, length: length, curve: nil) }
                defer { pair.privateKey.zeroize() }
                let now = Int64(Date().timeIntervalSince1970)
                var newPrivate = oldPrivate.replacement(newPrivateUID, now: now, offset: offset,
                                                        links: [KMIPManagedObject.Link(type: KMIPLinkType.publicKeyLink.rawValue, uniqueIdentifier: newPublicUID)])
                var newPublic = oldPublic.replacement(newPublicUID, now: now, offset: offset,
                                                      links: [KMIPManagedObject.Link(type: KMIPLinkType.privateKeyLink.rawValue, uniqueIdentifier: newPrivateUID)])
                newPrivate.cryptographicLength = pair.privateKey.bitLength
                newPrivate.keyFormatType = pair.privateKey.defaultFormat.rawValue
                newPublic.cryptographicLength = pair.publicKey.bitLength
                newPublic.keyFormatType = pair.publicKey.defaultFormat.rawValue
                var retired: [KMIPManagedObject] = []
                for (old, newUID) in [(oldPrivate, newPrivateUID), (oldPublic, newPublicUID)] {
                    var updated = old
                    updated.names = []
                    updated.links = (old.links ?? []) + [KMIPManagedObject.Link(type: KMIPLinkType.replacementObjectLink.rawValue, uniqueIdentifier: newUID)]
                    updated.lastChangeDate = now
                    retired.append(updated)
                }
                let store = kmipStore(unsealed)
                // All four records or none.
                try await store.putAll([try await store.sealed(newPrivate, material: pair.privateKey.bytes),
                                        try await store.sealed(newPublic, material: pair.publicKey.bytes)] + retired)
                return (newPrivateUID, newPublicUID)
            }
        }
    }
}
