import Crypto
import Foundation
import KMIP
import KMIPEngine
import OpenKCMCore

/// The KMIP managed-object operations, each audited like every other
/// operation, in the caller's own (tenant, service): a KMIP client never
/// reaches another tenant's objects, since the record key names the scope.
extension Operations {
    func kmipScope(_ caller: Caller) throws -> (TenantID, ServiceID) {
        guard let identity = caller.identity, identity.role == .crypto, let tenant = identity.tenant, let service = identity.service else {
            throw AccessError.unauthenticated
        }
        return (tenant, service)
    }

    func kmipStore(_ unsealed: ServerCore.Unsealed) -> KMIPObjectStore {
        KMIPObjectStore(storage: core.barrier, keyChain: unsealed.keyChain, cache: core.kmipRecords)
    }

    /// The caller's object `uid`. A destroyed one only where its attributes
    /// are asked for (`allowDestroyed`): every other use is Object Destroyed.
    func kmipObject(
        _ uid: String, tenant: TenantID, service: ServiceID, _ unsealed: ServerCore.Unsealed, allowDestroyed: Bool = false
    ) async throws -> KMIPManagedObject {
        guard let stored = try await kmipStore(unsealed).get(uid, tenant: tenant, service: service) else {
            throw KMIPOperationError(.itemNotFound, "no object \(uid)")
        }
        let object = try await presented(stored, tenant: tenant, service: service, unsealed)
        guard allowDestroyed || !object.isDestroyed else { throw KMIPOperationError(.objectDestroyed, "object \(uid) is destroyed") }
        return object
    }

    /// The object as clients see it: one bound to a subject that has been destroyed is Destroyed, its
    /// material shredded with the subject's secret though its record was never rewritten.
    func presented(_ object: KMIPManagedObject, tenant: TenantID, service: ServiceID, _ unsealed: ServerCore.Unsealed) async throws -> KMIPManagedObject {
        guard !object.isDestroyed, let subject = try object.subject,
              try await unsealed.keyChain.isSubjectDestroyed(subject, tenant: tenant, service: service) else { return object }
        var shredded = object
        shredded.state = KMIPState.destroyed.rawValue
        return shredded
    }

    /// Create: a new AES, ChaCha20 or HMAC key of `length` bits, its material sealed under its own L4
    /// (bound to the `x-openkcm-subject` custom attribute's subject, when given), with the request's
    /// attributes. Pre-Active, or Active at once when its Activation Date has come.
    func kmipCreateSymmetricKey(algorithm: KMIPCryptographicAlgorithm = .aes, length: Int32, attributes: KMIPRequestedAttributes,
                                caller: Caller) async throws -> String {
        let (tenant, service) = try kmipScope(caller)
        let uid = RandomUUID.make()
        var template = try KMIPManagedObject(type: KMIPObjectType.symmetricKey.rawValue, requested: attributes)
        template.cryptographicAlgorithm = algorithm.rawValue
        template.cryptographicLength = length
        template.keyFormatType = KMIPKeyFormatType.raw.rawValue
        template.generatedHere = true
        return try await perform(.kmipCreate, caller: caller, tenant: tenant, service: service, key: uid, sync: true) { unsealed in
            var material = SymmetricKey(size: SymmetricKeySize(bitCount: Int(length))).withUnsafeBytes { Array($0) }
            defer { material.zeroize() }
            _ = try await kmipStore(unsealed).create(template.placed(uid, tenant: tenant, service: service, now: Int64(Date().timeIntervalSince1970)),
                                                     material: material)
            return uid
        }
    }

    /// Register: the client's own key or secret, sealed like a created one;
    /// Pre-Active, or Active at once when its Activation Date has come.
    func kmipRegister(_ object: KMIPManagedObject, material: [UInt8], caller: Caller) async throws -> String {
        let (tenant, service) = try kmipScope(caller)
        let uid = RandomUUID.make()
        return try await perform(.kmipRegister, caller: caller, tenant: tenant, service: service, key: uid, sync: true) { unsealed in
            _ = try await kmipStore(unsealed).create(object.placed(uid, tenant: tenant, service: service, now: Int64(Date().timeIntervalSince1970)),
                                                     material: material)
            return uid
        }
    }

    /// Locate: the caller's objects that match every filter, most recently
    /// created first (as KMIP orders them).
    func kmipLocate(_ matches: @escaping @Sendable (KMIPManagedObject) -> Bool, caller: Caller) async throws -> [String] {
        let (tenant, service) = try kmipScope(caller)
        return try await perform(.kmipLocate, caller: caller, tenant: tenant, service: service) { unsealed in
            var objects: [KMIPManagedObject] = []
            for object in try await kmipStore(unsealed).all(tenant: tenant, service: service) {
                objects.append(try await presented(object, tenant: tenant, service: service, unsealed))
            }
            return objects.filter(matches)
                .sorted { ($0.initialDate, $0.uniqueIdentifier) > ($1.initialDate, $1.uniqueIdentifier) }.map(\.uniqueIdentifier)
        }
    }

    /// Get: the object and its material (the client's to hold, by KMIP's contract).
    func kmipGet(_ uid: String, version: KMIPVersion = .v2_0, caller: Caller) async throws -> (KMIPManagedObject, [UInt8]) {
        let (tenant, service) = try kmipScope(caller)
        return try await perform(.kmipGet, caller: caller, tenant: tenant, service: service, key: uid) { unsealed in
            let object = try await kmipObject(uid, tenant: tenant, service: service, unsealed)
            try object.checkExport(wrapped: false, version: version)
            var material = try await kmipStore(unsealed).material(of: object)
            do {
                try await refuseIfDestroyedMeanwhile(uid, tenant: tenant, service: service, unsealed)
            } catch {
                material.zeroize()
                throw error
            }
            try await markServed(object, tenant: tenant, service: service, unsealed)
            return (object, material)
        }
    }

    /// Get with a Key Wrapping Specification: the object's material comes
    /// back only wrapped by `wrap` under another of the caller's keys, an
    /// Active AES key allowed to wrap keys. The clear material never leaves.
    func kmipGetWrapped(_ uid: String, wrappingKey wrappingID: String, version: KMIPVersion, caller: Caller,
                        wrap: @Sendable (_ object: KMIPManagedObject, _ material: [UInt8], _ kek: SymmetricKey) throws -> [UInt8]) async throws -> (KMIPManagedObject, [UInt8]) {
        let (tenant, service) = try kmipScope(caller)
        return try await perform(.kmipGet, caller: caller, tenant: tenant, service: service, key: uid) { unsealed in
            let object = try await kmipObject(uid, tenant: tenant, service: service, unsealed)
            let wrappable = [KMIPObjectType.symmetricKey, .secretData, .splitKey, .privateKey, .publicKey].map(\.rawValue)
            guard wrappable.contains(object.objectType) else {
                throw KMIPOperationError(.featureNotSupported, "keys and secret data are given wrapped; opaque objects and certificates are not")
            }
            try object.checkExport(wrapped: true, version: version)
            guard wrappingID != uid else { throw KMIPOperationError(.illegalOperation, "an object cannot be wrapped by itself") }
            guard let kek = try await kmipStore(unsealed).get(wrappingID, tenant: tenant, service: service) else {
                throw KMIPOperationError(version >= .v2_0 ? .wrappingObjectNotFound : .itemNotFound, "no wrapping key \(wrappingID)")
            }
            guard kek.objectType == KMIPObjectType.symmetricKey.rawValue, kek.cryptographicAlgorithm == KMIPCryptographicAlgorithm.aes.rawValue else {
                throw KMIPOperationError(.invalidField, "the wrapping key must be an AES key")
            }
            guard kek.state == KMIPState.active.rawValue else {
                throw KMIPOperationError.wrongState("the wrapping key must be Active", version: version)
            }
            if let mask = kek.cryptographicUsageMask, UInt32(bitPattern: mask) & KMIPCryptographicUsageMask.wrapKey.rawValue == 0 {
                throw KMIPOperationError(.permissionDenied, "the wrapping key's Cryptographic Usage Mask does not allow Wrap Key")
            }
            var material = try await kmipStore(unsealed).material(of: object)
            var kekMaterial = try await kmipStore(unsealed).material(of: kek)
            defer { material.zeroize(); kekMaterial.zeroize() }
            let wrapped = try wrap(object, material, SymmetricKey(data: kekMaterial))
            try await refuseIfDestroyedMeanwhile(uid, tenant: tenant, service: service, unsealed)
            try await markServed(object, tenant: tenant, service: service, unsealed)
            return (object, wrapped)
        }
    }

    /// A Destroy (or the shredding of its subject) that committed while a use or Get of the object ran: uses
    /// take no lock, so one key serves many requests at once, and read the record again once done. Once the
    /// Destroy has answered, no use of the object answers with its result. (The record cache is this node's:
    /// a Destroy on another replica is seen within the cache's freshness bound, as docs/kmip.md says.)
    private func refuseIfDestroyedMeanwhile(_ uid: String, tenant: TenantID, service: ServiceID, _ unsealed: ServerCore.Unsealed) async throws {
        guard let now = try await kmipStore(unsealed).get(uid, tenant: tenant, service: service) else {
            throw KMIPOperationError(.itemNotFound, "no object \(uid)")
        }
        if try await presented(now, tenant: tenant, service: service, unsealed).isDestroyed {
            throw KMIPOperationError(.objectDestroyed, "object \(uid) was destroyed")
        }
    }

    /// An object a Get served is no longer Fresh: written once, on its first Get, under the object's lock.
    private func markServed(_ object: KMIPManagedObject, tenant: TenantID, service: ServiceID, _ unsealed: ServerCore.Unsealed) async throws {
        guard object.fresh == true else { return }
        try await changingObject(KMIPManagedObject.storageKey(tenant: tenant, service: service, uniqueIdentifier: object.uniqueIdentifier)) {
            guard var current = try await kmipStore(unsealed).get(object.uniqueIdentifier, tenant: tenant, service: service), current.fresh == true else { return }
            current.fresh = false
            try await kmipStore(unsealed).put(current)
        }
    }

    /// ReKey: a fresh key replacing `uid`, with its attributes
    /// (``KMIPManagedObject/replacement(_:now:offset:links:)``). The new key
    /// takes over the old key's names, and the two are linked both ways
    /// (Replacement Object, Replaced Object), in one atomic write.
    func kmipReKey(_ uid: String, offset: Int64?, version: KMIPVersion, caller: Caller) async throws -> String {
        let (tenant, service) = try kmipScope(caller)
        let newUID = RandomUUID.make()
        return try await perform(.kmipReKey, caller: caller, tenant: tenant, service: service, key: uid, sync: true) { unsealed in
            try await changingObject(KMIPManagedObject.storageKey(tenant: tenant, service: service, uniqueIdentifier: uid)) {
                var old = try await kmipObject(uid, tenant: tenant, service: service, unsealed)
                guard old.objectType == KMIPObjectType.symmetricKey.rawValue, let length = old.cryptographicLength,
                      [KMIPCryptographicAlgorithm.aes.rawValue, KMIPCryptographicAlgorithm.hmacSha256.rawValue].contains(old.cryptographicAlgorithm)
                else {
                    throw KMIPOperationError(version >= .v2_0 ? .invalidObjectType : .illegalOperation, "ReKey replaces AES and HMAC-SHA256 keys")
                }
                let now = Int64(Date().timeIntervalSince1970)
                let replacement = old.replacement(newUID, now: now, offset: offset, links: [])
                var material = SymmetricKey(size: SymmetricKeySize(bitCount: Int(length))).withUnsafeBytes { Array($0) }
                defer { material.zeroize() }
                let store = kmipStore(unsealed)
                old.names = []
                old.links = (old.links ?? []) + [KMIPManagedObject.Link(type: KMIPLinkType.replacementObjectLink.rawValue, uniqueIdentifier: newUID)]
                old.lastChangeDate = now
                // The replacement and the old key's link: both or neither.
                try await store.putAll([try await store.sealed(replacement, material: material), old])
                return newUID
            }
        }
    }

    /// Batch Error Continuation Option Undo: puts back what the batch's earlier
    /// items changed, or nothing if another client changed one of those objects since.
    func kmipUndo(_ journal: KMIPBatchJournal, caller: Caller) async throws -> Bool {
        let (tenant, service) = try kmipScope(caller)
        return try await perform(.kmipUndo, caller: caller, tenant: tenant, service: service, sync: true) { _ in
            defer { core.kmipRecords.removeAll() }
            return try await journal.undo(locks: core.objectLocks) { key in core.kmipRecords.wrote(nil, at: key) }
        }
    }

    /// Get Attributes and Get Attribute List: the object's record, without its material.
    func kmipGetAttributes(_ uid: String, listOnly: Bool = false, caller: Caller) async throws -> KMIPManagedObject {
        let (tenant, service) = try kmipScope(caller)
        return try await perform(listOnly ? .kmipGetAttributeList : .kmipGetAttributes, caller: caller, tenant: tenant, service: service, key: uid) { unsealed in
            try await kmipObject(uid, tenant: tenant, service: service, unsealed, allowDestroyed: true)
        }
    }

    /// Activate: Pre-Active to Active.
    func kmipActivate(_ uid: String, version: KMIPVersion, caller: Caller) async throws {
        try await kmipTransition(.kmipActivate, uid, caller: caller) { object in
            guard object.state == KMIPState.preActive.rawValue else { throw KMIPOperationError.wrongState("only a Pre-Active object can be activated", version: version) }
            object.state = KMIPState.active.rawValue
            object.activationDate = Int64(Date().timeIntervalSince1970)
        }
    }

    /// Add, Modify or Delete Attribute: `change` edits the record and returns the attribute to answer with.
    func kmipChangeAttribute<Answer: Sendable>(_ uid: String, caller: Caller,
                                               _ change: @escaping @Sendable (inout KMIPManagedObject) throws -> Answer) async throws -> Answer {
        let (tenant, service) = try kmipScope(caller)
        return try await perform(.kmipChangeAttribute, caller: caller, tenant: tenant, service: service, key: uid, sync: true) { unsealed in
            try await changingObject(KMIPManagedObject.storageKey(tenant: tenant, service: service, uniqueIdentifier: uid)) {
                var object = try await kmipObject(uid, tenant: tenant, service: service, unsealed)
                let answer = try change(&object)
                object.lastChangeDate = Int64(Date().timeIntervalSince1970)
                try await kmipStore(unsealed).put(object)
                return answer
            }
        }
    }

    /// Revoke: to Deactivated, or Compromised for a key or CA compromise (a destroyed object to Destroyed
    /// Compromised), keeping the Revocation Reason and, for a compromise, its dates.
    func kmipRevoke(_ uid: String, reason: UInt32?, message: String?, compromiseOccurred: Int64?, version: KMIPVersion, caller: Caller) async throws {
        let compromised = reason == KMIPRevocationReasonCode.keyCompromise.rawValue || reason == KMIPRevocationReasonCode.caCompromise.rawValue
        // A destroyed object learns of a compromise too (KMIP transition 10: Destroyed -> Destroyed Compromised).
        try await kmipTransition(.kmipRevoke, uid, caller: caller, allowDestroyed: compromised) { object in
            let now = Int64(Date().timeIntervalSince1970)
            func record() {
                object.revocationReasonCode = reason
                object.revocationMessage = message.map { String($0.prefix(1024)) }
                // The first compromise's dates stand: a second report does not move when it was learnt of.
                if compromised, object.compromiseDate == nil {
                    object.compromiseDate = now
                    object.compromiseOccurrenceDate = compromiseOccurred ?? now
                }
            }
            if object.isDestroyed {
                guard object.state == KMIPState.destroyed.rawValue else { throw KMIPOperationError(.objectDestroyed, "the object is destroyed and compromised") }
                object.state = KMIPState.destroyedCompromised.rawValue
                record()
                return
            }
            guard object.state == KMIPState.preActive.rawValue || object.state == KMIPState.active.rawValue || compromised else {
                throw KMIPOperationError.wrongState("the object is already revoked", version: version)
            }
            // Its Deactivation Date is when it stopped protecting: now, unless it had stopped already.
            if object.state == KMIPState.preActive.rawValue || object.state == KMIPState.active.rawValue { object.deactivationDate = now }
            object.state = compromised ? KMIPState.compromised.rawValue : KMIPState.deactivated.rawValue
            record()
        }
    }

    /// Destroy: crypto-shreds the object (its L4 and sealed material are
    /// dropped) and keeps its attributes in state Destroyed, as KMIP does;
    /// an Active object must be revoked first.
    func kmipDestroy(_ uid: String, version: KMIPVersion, caller: Caller) async throws {
        let (tenant, service) = try kmipScope(caller)
        try await perform(.kmipDestroy, caller: caller, tenant: tenant, service: service, key: uid, sync: true) { unsealed in
            try await changingObject(KMIPManagedObject.storageKey(tenant: tenant, service: service, uniqueIdentifier: uid)) {
                let object = try await kmipObject(uid, tenant: tenant, service: service, unsealed)
                guard object.state != KMIPState.active.rawValue else {
                    throw KMIPOperationError.wrongState("an Active object must be revoked before it is destroyed", version: version)
                }
                try await kmipStore(unsealed).destroy(object, now: Int64(Date().timeIntervalSince1970))
            }
        }
    }

    /// Check: whether the object may be used as the client says (its usage
    /// mask holds every bit asked). No usage limits or leases are kept, so
    /// those always pass.
    func kmipCheck(_ uid: String, usageMask: Int32?, version: KMIPVersion, caller: Caller) async throws {
        let (tenant, service) = try kmipScope(caller)
        try await perform(.kmipCheck, caller: caller, tenant: tenant, service: service, key: uid) { unsealed in
            let object = try await kmipObject(uid, tenant: tenant, service: service, unsealed)
            if let asked = usageMask, let held = object.cryptographicUsageMask, UInt32(bitPattern: held) & UInt32(bitPattern: asked) != UInt32(bitPattern: asked) {
                // The attribute that caused the denial comes back, without the identifier (KMIP 1.x 4.10, 2.x 6.1.6).
                throw KMIPOperationError(version >= .v2_0 ? .incompatibleCryptographicUsageMask : .permissionDenied, "Check Failed",
                                         payload: [TTLVItem(.cryptographicUsageMask, .integer(asked))])
            }
        }
    }

    /// What a key is used for: the operation, the object types and algorithms
    /// it may be, the states it may be in, and the usage-mask bit it needs
    /// (when a mask is set).
    struct KMIPKeyUse: Sendable {
        var kind: OperationKind
        /// Object Type -> the Cryptographic Algorithms allowed for it.
        var allowed: [UInt32: Set<UInt32>]
        var states: Set<KMIPState>
        var usage: KMIPCryptographicUsageMask
        /// Whether the use protects data (Encrypt, MAC, Sign: refused after the Protect Stop Date) or
        /// processes protected data (Decrypt, MAC Verify, Signature Verify: refused before the Process Start Date).
        var protects: Bool

        /// The symmetric ciphers Encrypt and Decrypt serve (KMIPCipher).
        private static let ciphers: [UInt32: Set<UInt32>] = [KMIPObjectType.symmetricKey.rawValue: [
            KMIPCryptographicAlgorithm.aes.rawValue, KMIPCryptographicAlgorithm.chacha20.rawValue, KMIPCryptographicAlgorithm.chacha20Poly1305.rawValue]]
        /// An HMAC-SHA256 key, or an AES key whose parameters name HMAC-SHA256 (checked by the MAC handler).
        private static let hmac: [UInt32: Set<UInt32>] = [KMIPObjectType.symmetricKey.rawValue: [
            KMIPCryptographicAlgorithm.hmacSha256.rawValue, KMIPCryptographicAlgorithm.aes.rawValue]]
        private static let rsa: Set<UInt32> = [KMIPCryptographicAlgorithm.rsa.rawValue]
        private static let signing: Set<UInt32> = [KMIPCryptographicAlgorithm.rsa.rawValue, KMIPCryptographicAlgorithm.ecdsa.rawValue,
                                                   KMIPCryptographicAlgorithm.ec.rawValue]

        static let encrypt = KMIPKeyUse(kind: .kmipEncrypt, allowed: ciphers.merging([KMIPObjectType.publicKey.rawValue: rsa]) { $1 },
                                        states: [.active], usage: .encrypt, protects: true)
        static let decrypt = KMIPKeyUse(kind: .kmipDecrypt, allowed: ciphers.merging([KMIPObjectType.privateKey.rawValue: rsa]) { $1 },
                                        states: [.active, .deactivated, .compromised], usage: .decrypt, protects: false)
        static let mac = KMIPKeyUse(kind: .kmipMAC, allowed: hmac, states: [.active], usage: .macGenerate, protects: true)
        static let macVerify = KMIPKeyUse(kind: .kmipMACVerify, allowed: hmac, states: [.active, .deactivated, .compromised], usage: .macVerify, protects: false)
        static let sign = KMIPKeyUse(kind: .kmipSign, allowed: [KMIPObjectType.privateKey.rawValue: signing], states: [.active], usage: .sign, protects: true)
        static let signatureVerify = KMIPKeyUse(kind: .kmipSignatureVerify, allowed: [KMIPObjectType.publicKey.rawValue: signing],
                                                states: [.active, .deactivated, .compromised], usage: .verify, protects: false)
    }

    /// Runs `body` with the object and its material (zeroed when it returns), after checking the
    /// object may be used so: its type and algorithm, state, SKLC dates and usage mask.
    func kmipUseObject<Result: Sendable>(_ use: KMIPKeyUse, _ uid: String, version: KMIPVersion, caller: Caller,
                                         _ body: @Sendable (KMIPManagedObject, [UInt8]) throws -> Result) async throws -> Result {
        let (tenant, service) = try kmipScope(caller)
        return try await perform(use.kind, caller: caller, tenant: tenant, service: service, key: uid) { unsealed in
            let object = try await kmipObject(uid, tenant: tenant, service: service, unsealed)
            guard let algorithms = use.allowed[object.objectType], let algorithm = object.cryptographicAlgorithm, algorithms.contains(algorithm) else {
                throw KMIPOperationError(version >= .v2_0 ? .invalidObjectType : .invalidField, "this key cannot be used for \(use.kind)")
            }
            guard use.states.contains(where: { $0.rawValue == object.state }) else {
                throw KMIPOperationError.wrongState("the key's state does not allow \(use.kind)", version: version)
            }
            // SKLC's dates: a key past its Protect Stop Date protects nothing more; one before its Process Start Date opens nothing yet.
            let now = Int64(Date().timeIntervalSince1970)
            if use.protects, let stop = object.protectStopDate, stop <= now {
                throw KMIPOperationError.wrongState("the key's Protect Stop Date has passed", version: version)
            }
            if !use.protects, let start = object.processStartDate, start > now {
                throw KMIPOperationError.wrongState("the key's Process Start Date has not come", version: version)
            }
            if let mask = object.cryptographicUsageMask, UInt32(bitPattern: mask) & use.usage.rawValue == 0 {
                throw KMIPOperationError(version >= .v2_0 ? .incompatibleCryptographicUsageMask : .permissionDenied,
                                         "the key's Cryptographic Usage Mask does not allow \(use.kind)")
            }
            let store = kmipStore(unsealed)
            var material = try await store.material(of: object)
            defer { material.zeroize() }
            let result = try body(object, material)
            try await refuseIfDestroyedMeanwhile(uid, tenant: tenant, service: service, unsealed)
            return result
        }
    }

    /// Create Key Pair: a private and a public key, each sealed under its own
    /// L4 like every object, linked to each other (Public Key Link on the
    /// private key, Private Key Link on the public one), with the common
    /// attributes and each key's own. Returns (private, public) identifiers.
    func kmipCreateKeyPair(
        privateKey: KMIPManagedObject, publicKey: KMIPManagedObject, algorithm: KMIPCryptographicAlgorithm, length: Int32?, curve: UInt32?,
        caller: Caller
    ) async throws -> (privateKey: String, publicKey: String) {
        let (tenant, service) = try kmipScope(caller)
        let privateUID = RandomUUID.make()
        let publicUID = RandomUUID.make()
        return try await perform(.kmipCreateKeyPair, caller: caller, tenant: tenant, service: service, key: "\(privateUID) \(publicUID)", sync: true) { unsealed in
            var pair = try await KMIPHeavyWork.run { try KMIPAsymmetricKey.generate(algorithm: algorithm, length: length, curve: curve) }
            defer { pair.privateKey.zeroize() }
            let now = Int64(Date().timeIntervalSince1970)
            func prepared(_ object: KMIPManagedObject, _ uid: String, _ key: KMIPAsymmetricKey, link: KMIPLinkType, to other: String) -> KMIPManagedObject {
                var object = object
                object.uniqueIdentifier = uid
                object.tenant = tenant.rawValue
                object.service = service.rawValue
                // An EC pair keeps the name the client gave it (EC or ECDSA), so a Locate by that name finds it.
                object.cryptographicAlgorithm = key.kind == .rsa ? key.algorithm.rawValue : algorithm.rawValue
                object.cryptographicLength = key.bitLength
                object.keyFormatType = key.defaultFormat.rawValue
                object.state = KMIPState.preActive.rawValue
                object.initialDate = now
                object.lastChangeDate = now
                object.links = [KMIPManagedObject.Link(type: link.rawValue, uniqueIdentifier: other)]
                object.generatedHere = true
                return object.applyingDates(now: now)
            }
            let store = kmipStore(unsealed)
            let privateRecord = prepared(privateKey, privateUID, pair.privateKey, link: .publicKeyLink, to: publicUID)
            let publicRecord = prepared(publicKey, publicUID, pair.publicKey, link: .privateKeyLink, to: privateUID)
            let privateBytes = pair.privateKey.bytes
            let publicBytes = pair.publicKey.bytes
            // Both keys or neither: one atomic write.
            try await store.putAll([try await store.sealed(privateRecord, material: privateBytes), try await store.sealed(publicRecord, material: publicBytes)])
            return (privateUID, publicUID)
        }
    }

    private func kmipTransition(_ kind: OperationKind, _ uid: String, caller: Caller, allowDestroyed: Bool = false,
                                _ change: @Sendable (inout KMIPManagedObject) throws -> Void) async throws {
        let (tenant, service) = try kmipScope(caller)
        try await perform(kind, caller: caller, tenant: tenant, service: service, key: uid, sync: true) { unsealed in
            try await changingObject(KMIPManagedObject.storageKey(tenant: tenant, service: service, uniqueIdentifier: uid)) {
                var object = try await kmipObject(uid, tenant: tenant, service: service, unsealed, allowDestroyed: allowDestroyed)
                try change(&object)
                object.lastChangeDate = Int64(Date().timeIntervalSince1970)
                try await kmipStore(unsealed).put(object)
            }
        }
    }
}
