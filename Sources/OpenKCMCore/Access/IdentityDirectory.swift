import Crypto
public import Foundation
import Synchronization

/// Issues bearer tokens and resolves them to identities, over sealed storage.
///
/// A token reads `okcm.<identity id>.<secret>`: the id finds the record, and
/// the secret's HMAC under a MasterKey-derived key is compared with the stored
/// one in constant time. Storage (and its backups) never hold a usable token.
public final class IdentityDirectory: Sendable {
    private let storage: SealedStorage
    private let hashKey: SymmetricKey
    private let now: @Sendable () -> Date
    /// Identities read recently, so a request costs no storage read. Entries
    /// live ``cacheLifetime`` at most, so a revocation made by another node
    /// takes effect here within that time (at once when the store announces
    /// it, ``storeChanged()``); one made here takes effect at once.
    private let cache = Mutex<[String: (identity: Identity, readAt: ContinuousClock.Instant)]>([:])
    /// 5 s on a store of its own (only another process's offline change could
    /// be missed); the freshness bound on a store shared with other nodes.
    public let cacheLifetime: Duration
    /// Certificate fingerprint (or subject digest) to identity id, for as long as identities are cached.
    private let certificates = Mutex<[String: (id: String, readAt: ContinuousClock.Instant)]>([:])

    public init(
        storage: SealedStorage, masterKey: MasterKey, cacheLifetime: Duration = .seconds(5), clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.cacheLifetime = cacheLifetime
        self.storage = storage
        self.hashKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: masterKey.key,
            salt: Array("OpenKCM tokens v1".utf8),
            info: Array("bearer token hash key".utf8),
            outputByteCount: 32
        )
        self.now = clock
    }

    /// Another node changed identities in the shared store: everything is read again.
    package func storeChanged() {
        cache.withLock { $0.removeAll() }
        certificates.withLock { $0.removeAll() }
    }

    /// Creates an identity and returns it with its token. The token is shown
    /// to the caller this once; only its keyed hash is stored.
    /// With `certificateFingerprint` (a KMIP client), the identity is also found
    /// by its TLS client certificate; only crypto identities take one, and a
    /// certificate belongs to one live identity at a time.
    /// With `certificateSubject`, any certificate that trusted CA issues for that subject is this identity.
    /// A core identity (a regional core at the governance plane) takes its `region` and nothing else.
    /// A governance identity with a `tenant` governs that tenant only; without one it is a platform operator.
    public func create(name: String, role: Role, tenant: TenantID? = nil, service: ServiceID? = nil,
                       certificateFingerprint: String? = nil, certificateSubject: CertificateSubject? = nil,
                       region: RegionID? = nil, lifetime: Duration? = nil, createdBy: String? = nil) async throws -> (identity: Identity, token: String) {
        if let lifetime {
            guard lifetime >= .seconds(60), lifetime <= .seconds(3 * 365 * 86_400) else {
                throw AccessError.invalidScope("a lifetime is 1 minute to 3 years")
            }
        }
        guard (role == .core) == (region != nil) else { throw AccessError.invalidScope("a core identity, and only a core identity, takes a region") }
        switch (role, tenant, service) {
        case (.crypto, .some, .some), (.root, nil, nil), (.governance, _, nil), (.auditor, nil, nil), (.core, nil, nil): break
        case (.crypto, _, _): throw AccessError.invalidScope("a crypto identity needs a tenant and a service")
        default: throw AccessError.invalidScope("only crypto identities take a service, and only crypto and governance identities a tenant")
        }
        guard !name.isEmpty, name.utf8.count <= 128 else { throw AccessError.invalidScope("a name is 1 to 128 bytes") }
        if let certificateFingerprint {
            guard role == .crypto || role == .core else {
                throw AccessError.invalidScope("only crypto identities (KMIP clients) and core identities (regional cores) take a certificate")
            }
            guard certificateFingerprint.utf8.count == 64, certificateFingerprint.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                throw AccessError.invalidScope("a certificate fingerprint is 64 lowercase hex digits")
            }
        }
        if let certificateSubject {
            guard role == .crypto else { throw AccessError.invalidScope("only crypto identities (KMIP clients) take a certificate subject") }
            guard certificateFingerprint == nil else { throw AccessError.invalidScope("a KMIP client is known by its certificate or by its subject, not both") }
            guard !certificateSubject.subject.isEmpty, certificateSubject.subject.utf8.count <= 4096 else {
                throw AccessError.invalidScope("a certificate subject is 1 to 4096 bytes")
            }
        }
        // An id is an argument on command lines (`openkcm identity revoke ID`): one starting with "-" (1 in 64 of
        // base64url's first characters) would be read as an option there, so such a draw is made again.
        var id = Self.randomToken(bytes: 9)
        while id.hasPrefix("-") { id = Self.randomToken(bytes: 9) }
        let secret = Self.randomToken(bytes: 32)
        var identity = Identity(
            id: id, name: name, role: role, tenant: tenant, service: service, createdAt: now(), tokenHash: hash(secret))
        identity.certificateFingerprint = certificateFingerprint
        identity.certificateSubject = certificateSubject
        identity.region = region
        identity.createdBy = createdBy
        if let lifetime {
            identity.lifetimeSeconds = Int(lifetime.components.seconds)
            identity.expiresAt = identity.createdAt.addingTimeInterval(Double(lifetime.components.seconds))
        }
        // One transaction: the certificate (or subject) is checked free and taken in the same commit, so two
        // nodes registering one certificate at once give it to one identity.
        try await storage.transaction {
            var writes: [StorageMutation] = [.put(key: Identity.storageKey(id), value: try RecordCoder.encode(identity))]
            if let certificateSubject {
                if let live = try await liveIdentity(mappedAt: Identity.subjectKey(certificateSubject)) {
                    throw AccessError.invalidScope("this subject already maps to identity \(live); revoke it first")
                }
                writes.append(.put(key: Identity.subjectKey(certificateSubject), value: Data(id.utf8)))
            }
            if let certificateFingerprint {
                if let live = try await liveIdentity(mappedAt: Identity.certificateKey(certificateFingerprint)) {
                    throw AccessError.invalidScope("this certificate already belongs to identity \(live); revoke it first")
                }
                writes.append(.put(key: Identity.certificateKey(certificateFingerprint), value: Data(id.utf8)))
            }
            try await storage.write(writes)
        }
        if let certificateSubject { certificates.withLock { $0[certificateSubject.digest] = (id, ContinuousClock.now) } }
        if let certificateFingerprint { certificates.withLock { $0[certificateFingerprint] = (id, ContinuousClock.now) } }
        return (identity, "okcm.\(id).\(secret)")
    }

    /// The identity a bearer token belongs to, or ``AccessError/unauthenticated``.
    public func authenticate(_ token: String) async throws -> Identity {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "okcm", Self.isTokenText(parts[1]), Self.isTokenText(parts[2]) else {
            throw AccessError.unauthenticated
        }
        let identity = try await lookUp(String(parts[1]))
        guard ConstantTime.equals(Array(hash(String(parts[2])).utf8), Array(identity.tokenHash.utf8)), !identity.revoked else {
            throw AccessError.unauthenticated
        }
        try checkLifetime(identity)
        return identity
    }

    /// The live identity a TLS client certificate (its SHA-256 fingerprint, hex) was registered for.
    public func authenticate(certificateFingerprint fingerprint: String) async throws -> Identity {
        guard fingerprint.utf8.count == 64 else { throw AccessError.unauthenticated }
        let id: String
        if let cached = certificates.withLock({ $0[fingerprint] }), ContinuousClock.now - cached.readAt < cacheLifetime {
            id = cached.id
        } else {
            guard let data = try await storage.get(Identity.certificateKey(fingerprint)) else { throw AccessError.unauthenticated }
            id = String(decoding: data, as: UTF8.self)
            certificates.withLock { certificates in
                if certificates.count > 10_000 { certificates.removeAll() }
                certificates[fingerprint] = (id, ContinuousClock.now)
            }
        }
        // The identity itself says whether it still holds this certificate and is live.
        let identity = try await lookUp(id)
        guard !identity.revoked, identity.certificateFingerprint == fingerprint else { throw AccessError.unauthenticated }
        try checkLifetime(identity)
        return identity
    }

    /// The live identity a trusted CA's certificate subject was mapped to.
    public func authenticate(certificateSubject subject: CertificateSubject) async throws -> Identity {
        let digest = subject.digest
        let id: String
        if let cached = certificates.withLock({ $0[digest] }), ContinuousClock.now - cached.readAt < cacheLifetime {
            id = cached.id
        } else {
            guard let data = try await storage.get(Identity.subjectKey(subject)) else { throw AccessError.unauthenticated }
            id = String(decoding: data, as: UTF8.self)
            certificates.withLock { certificates in
                if certificates.count > 10_000 { certificates.removeAll() }
                certificates[digest] = (id, ContinuousClock.now)
            }
        }
        let identity = try await lookUp(id)
        guard !identity.revoked, identity.certificateSubject == subject else { throw AccessError.unauthenticated }
        try checkLifetime(identity)
        return identity
    }

    private func lookUp(_ id: String) async throws -> Identity {
        let cached = cache.withLock { $0[id] }
        if let cached, ContinuousClock.now - cached.readAt < cacheLifetime { return cached.identity }
        let key = Identity.storageKey(id)
        guard let data = try await storage.get(key) else { throw AccessError.unauthenticated }
        let identity = try RecordCoder.decode(Identity.self, from: data, at: key)
        cache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[id] = (identity, ContinuousClock.now)
        }
        return identity
    }

    /// The identity with `id` as the store holds it now (not the cache).
    public func identity(_ id: String) async throws -> Identity {
        guard Self.isTokenText(Substring(id)) else { throw AccessError.identityNotFound(id) }
        let key = Identity.storageKey(id)
        guard let data = try await storage.get(key) else { throw AccessError.identityNotFound(id) }
        return try RecordCoder.decode(Identity.self, from: data, at: key)
    }

    public func list() async throws -> [Identity] {
        var identities: [Identity] = []
        for key in try await storage.list(prefix: "identities/") {
            guard let data = try await storage.get(key) else { continue }
            identities.append(try RecordCoder.decode(Identity.self, from: data, at: key))
        }
        return identities
    }

    /// Refuses an identity whose lifetime is over.
    private func checkLifetime(_ identity: Identity) throws(AccessError) {
        if let expiresAt = identity.expiresAt, now() >= expiresAt { throw .expired }
    }

    /// Renews a live, unexpired identity: its expiry moves to now plus the lifetime it was made with.
    public func renew(_ id: String) async throws -> Identity {
        guard Self.isTokenText(Substring(id)) else { throw AccessError.identityNotFound(id) }
        let key = Identity.storageKey(id)
        let renewed = try await storage.transaction { () async throws -> Identity in
            guard let data = try await storage.get(key) else { throw AccessError.identityNotFound(id) }
            var identity = try RecordCoder.decode(Identity.self, from: data, at: key)
            guard !identity.revoked else { throw AccessError.unauthenticated }
            try checkLifetime(identity)
            guard let seconds = identity.lifetimeSeconds, identity.expiresAt != nil else { throw AccessError.notRenewable }
            identity.expiresAt = now().addingTimeInterval(Double(seconds))
            try await storage.put(key, value: RecordCoder.encode(identity))
            return identity
        }
        _ = cache.withLock { $0.removeValue(forKey: id) }
        return renewed
    }

    /// Revokes an identity: its token stops working at once.
    public func revoke(_ id: String) async throws {
        guard Self.isTokenText(Substring(id)) else { throw AccessError.identityNotFound(id) }
        let key = Identity.storageKey(id)
        // Read and written in one transaction: a change another node made meanwhile is read, not overwritten.
        let identity = try await storage.transaction { () async throws -> Identity in
            guard let data = try await storage.get(key) else { throw AccessError.identityNotFound(id) }
            var identity = try RecordCoder.decode(Identity.self, from: data, at: key)
            identity.revoked = true
            try await storage.put(key, value: RecordCoder.encode(identity))
            return identity
        }
        _ = cache.withLock { $0.removeValue(forKey: id) }
        if let fingerprint = identity.certificateFingerprint { _ = certificates.withLock { $0.removeValue(forKey: fingerprint) } }
        if let subject = identity.certificateSubject { _ = certificates.withLock { $0.removeValue(forKey: subject.digest) } }
    }

    /// The live identity the mapping record at `key` (a certificate or subject) names, read from the store (not the cache).
    private func liveIdentity(mappedAt key: String) async throws -> String? {
        guard let mapped = try await storage.get(key) else { return nil }
        let id = String(decoding: mapped, as: UTF8.self)
        let identityKey = Identity.storageKey(id)
        guard let data = try await storage.get(identityKey) else { return nil }
        return try RecordCoder.decode(Identity.self, from: data, at: identityKey).revoked ? nil : id
    }

    /// Revokes every crypto identity bound to `tenant` (and `service`, when
    /// given): a destroyed tenant's tokens must not reach a new tenant that
    /// reuses its id. Returns how many were revoked.
    @discardableResult
    public func revokeAll(tenant: TenantID, service: ServiceID? = nil) async throws -> Int {
        var count = 0
        for identity in try await list() where !identity.revoked && identity.tenant == tenant && (service == nil || identity.service == service) {
            try await revoke(identity.id)
            count += 1
        }
        return count
    }

    private func hash(_ secret: String) -> String {
        Array(HMAC<SHA256>.authenticationCode(for: Array(secret.utf8), using: hashKey)).hexString
    }

    private static func randomToken(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func isTokenText(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
    }
}
