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
