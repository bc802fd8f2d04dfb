public import OpenKCMCore

/// A key chain over an unsealed barrier and one software L1, for tests.
public struct KeyChainFixture: Sendable {
    public let storage: any Storage
    public let barrier: SealedStorage
    public let masterKey: MasterKey
    public let l1: SoftwareKeystore
    public let keystores: KeystoreRegistry
    public let chain: KeyChain

    public init(storage: any Storage = InMemoryStorage(), masterKey: MasterKey = .generate(), l1: SoftwareKeystore = SoftwareKeystore(name: "customer-l1")) {
        self.storage = storage
        self.barrier = SealedStorage(backend: storage)
        self.masterKey = masterKey
        barrier.unseal(with: masterKey)
        self.l1 = l1
        self.keystores = KeystoreRegistry([l1])
        self.chain = KeyChain(storage: barrier, keystores: keystores)
    }

    /// Another node on the same store, as a replica on a shared database: it
    /// confirms what it holds with the store every `bound` (``StoreFreshness``),
    /// through `backend` when given (a connection a test may cut).
    public func replica(
        bound: Duration = .seconds(3600), backend: (any Storage)? = nil, nonceLimits: NonceLimits = NonceLimits()
    ) -> Replica {
        let backend = backend ?? storage
        let barrier = SealedStorage(backend: backend)
        barrier.unseal(with: masterKey)
        let freshness = StoreFreshness(backend: backend, bound: bound)
        return Replica(chain: KeyChain(storage: barrier, keystores: keystores, nonceLimits: nonceLimits, freshness: freshness), freshness: freshness)
    }

    /// A second key chain over the same storage and keystores: a restarted server.
    public func restarted() -> KeyChain {
        let barrier = SealedStorage(backend: storage)
        barrier.unseal(with: masterKey)
        return KeyChain(storage: barrier, keystores: keystores)
    }
}

public func tenant(_ id: String) -> TenantID {
    // safe: test ids are literals that pass the id rules.
    try! TenantID(id)
}

public func service(_ id: String) -> ServiceID {
    // safe: test ids are literals that pass the id rules.
    try! ServiceID(id)
}

/// A key chain on a store other nodes write too (``KeyChainFixture/replica(bound:backend:nonceLimits:)``).
public struct Replica: Sendable {
    public let chain: KeyChain
    public let freshness: StoreFreshness

    /// What the store's announcement of another node's commit to `tenant` does.
    public func announce(_ tenant: TenantID) {
        freshness.forget([.tenant(tenant.rawValue)])
        chain.storeChanged(tenants: [tenant])
    }
}
