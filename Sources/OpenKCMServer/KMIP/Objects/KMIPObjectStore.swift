import Crypto
import KMIP
import KMIPEngine
import Foundation
import OpenKCMCore

/// KMIP managed objects over sealed storage, their material sealed under a
/// fresh L4 each (see ``KMIPManagedObject``).
struct KMIPObjectStore: Sendable {
    let storage: SealedStorage
    let keyChain: KeyChain
    let cache: KMIPObjectRecordCache

    /// Seals `material` under a new L4 of the service and stores the object.
    func create(_ object: KMIPManagedObject, material: [UInt8]) async throws -> KMIPManagedObject {
        let sealed = try await sealed(object, material: material)
        try await put(sealed)
        return sealed
    }

    /// The object with `material` sealed under a new L4 of the service, not yet stored: ``putAll(_:)``
    /// stores several such records (a key pair, a derived key and its base) in one atomic write.
    func sealed(_ object: KMIPManagedObject, material: [UInt8]) async throws -> KMIPManagedObject {
        var object = object
        let tenant = try TenantID(object.tenant)
        let service = try ServiceID(object.service)
        let binding = KMIPManagedObject.binding(object.uniqueIdentifier, tenant: tenant, service: service)
        let context = try EncryptionContext(binding)
        let dataKey = try await keyChain.generateDataKey(tenant: tenant, service: service, context: context, subject: try object.subject)
        object.wrappedKey = dataKey.wrapped
        object.fresh = true
        object.sealedMaterial = try AES.GCM.seal(material, using: dataKey.key, authenticating: context.encoded).combined ?? Data()
        // A subject-bound object is shredded with its subject without its record being rewritten:
        // an unkeyed digest of its material would outlive the shredding, so it has none.
        object.digest = object.customAttributes?[KMIPManagedObject.subjectAttribute] == nil ? Data(SHA256.hash(data: material)) : nil
        object.recordRevision = KMIPManagedObject.currentRevision
        return object
    }

    /// Stores every record in one atomic write: all of them, or none.
    func putAll(_ objects: [KMIPManagedObject]) async throws {
        var mutations: [StorageMutation] = []
        for object in objects {
            let key = try Self.storageKey(of: object)
            try await KMIPBatchJournal.current?.recordBefore(key, in: storage)
            cache.wrote(nil, at: key)
            mutations.append(.put(key: key, value: try RecordCoder.encode(object)))
        }
        try await storage.write(mutations)
        for (object, mutation) in zip(objects, mutations) {
            if case .put(let key, let value) = mutation {
                KMIPBatchJournal.current?.recordAfter(key, value: value)
                cache.wrote(object, at: key)
            }
        }
    }

    /// The object's material, opened through the key chain (refused if the tenant is locked).
    func material(of object: KMIPManagedObject) async throws -> [UInt8] {
        guard !object.isDestroyed else { throw KMIPOperationError(.objectDestroyed, "the object is destroyed") }
        let tenant = try TenantID(object.tenant)
        let service = try ServiceID(object.service)
        let context = try EncryptionContext(KMIPManagedObject.binding(object.uniqueIdentifier, tenant: tenant, service: service))
        let key = try await keyChain.unwrapDataKey(object.wrappedKey, tenant: tenant, service: service, context: context, subject: try object.subject)
        return Array(try AES.GCM.open(AES.GCM.SealedBox(combined: object.sealedMaterial), using: key, authenticating: context.encoded))
    }

    func get(_ uniqueIdentifier: String, tenant: TenantID, service: ServiceID) async throws -> KMIPManagedObject? {
        guard Self.isIdentifier(uniqueIdentifier) else { return nil }
        let key = KMIPManagedObject.storageKey(tenant: tenant, service: service, uniqueIdentifier: uniqueIdentifier)
        // In a transaction the record is read through the barrier, so the change is conditioned on its version.
        if !SealedStorage.inTransaction, let cached = cache.object(at: key) { return cached.applyingDates(now: Self.now()) }
        let token = cache.readToken()
        guard let data = try await storage.get(key) else { return nil }
        let object = try RecordCoder.decode(KMIPManagedObject.self, from: data, at: key)
        cache.remember(object, at: key, readAt: token)
        return object.applyingDates(now: Self.now())
    }

    /// Seconds since 1970, as KMIP dates are.
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// Every object of one (tenant, service).
    func all(tenant: TenantID, service: ServiceID) async throws -> [KMIPManagedObject] {
        var objects: [KMIPManagedObject] = []
        for key in try await storage.list(prefix: "kmip/objects/\(tenant.rawValue)/\(service.rawValue)/") {
            guard let data = try await storage.get(key) else { continue }
            objects.append(try RecordCoder.decode(KMIPManagedObject.self, from: data, at: key).applyingDates(now: Self.now()))
        }
        return objects
    }

    func put(_ object: KMIPManagedObject) async throws {
        let key = try Self.storageKey(of: object)
        try await KMIPBatchJournal.current?.recordBefore(key, in: storage)
        cache.wrote(nil, at: key)
        let record = try RecordCoder.encode(object)
        try await storage.put(key, value: record)
        KMIPBatchJournal.current?.recordAfter(key, value: record)
        cache.wrote(object, at: key)
    }

    /// Destroy: the wrapped L4 and the sealed material are dropped from the
    /// record (the only copy of the L4: the material is unrecoverable), and
    /// the attributes stay, in state Destroyed (Destroyed Compromised for a
    /// compromised object), as KMIP keeps them.
    func destroy(_ object: KMIPManagedObject, now: Int64) async throws {
        var destroyed = object
        destroyed.state = object.state == KMIPState.compromised.rawValue ? KMIPState.destroyedCompromised.rawValue : KMIPState.destroyed.rawValue
        destroyed.destroyDate = now
        destroyed.lastChangeDate = now
        destroyed.wrappedKey = Data()
        destroyed.sealedMaterial = Data()
        // The digest of material that no longer exists would let a guess at it be checked: gone too.
        destroyed.digest = nil
        try await put(destroyed)
    }

    /// Deletes the record: the object is gone, attributes and all.
    func delete(_ object: KMIPManagedObject) async throws {
        let key = try Self.storageKey(of: object)
        try await KMIPBatchJournal.current?.recordBefore(key, in: storage)
        cache.wrote(nil, at: key)
        try await storage.delete(key)
        KMIPBatchJournal.current?.recordAfter(key, value: nil)
        cache.wrote(nil, at: key)
    }

    static func storageKey(of object: KMIPManagedObject) throws -> String {
        KMIPManagedObject.storageKey(tenant: try TenantID(object.tenant), service: try ServiceID(object.service), uniqueIdentifier: object.uniqueIdentifier)
    }

    /// Unique identifiers are UUIDs made here; anything else is not an object of ours.
    static func isIdentifier(_ text: String) -> Bool {
        text.utf8.count == 36 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) || $0 == 45 }
    }
}
