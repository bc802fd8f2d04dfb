import Synchronization

/// Finds the ``Keystore`` for a stored ``KeystoreReference``.
public protocol KeystoreResolver: Sendable {
    func keystore(for reference: KeystoreReference) throws -> any Keystore
}

/// A resolver over keystores registered at start-up.
public final class KeystoreRegistry: KeystoreResolver {
    private let keystores = Mutex<[KeystoreReference: any Keystore]>([:])
    /// Configured provider connections: a provider name and a key reference make a keystore.
    private let providers = Mutex<[String: @Sendable (String) -> any Keystore]>([:])

    public init(_ keystores: [any Keystore] = []) {
        for keystore in keystores { register(keystore) }
    }

    public func register(_ keystore: any Keystore) {
        keystores.withLock { $0[keystore.reference] = keystore }
    }

    /// Registers a provider connection: any key reference under `name`
    /// resolves to the keystore `make` builds for it (built once, then kept).
    public func registerProvider(_ name: String, make: @escaping @Sendable (String) -> any Keystore) {
        providers.withLock { $0[name] = make }
    }

    public func keystore(for reference: KeystoreReference) throws -> any Keystore {
        if let keystore = keystores.withLock({ $0[reference] }) { return keystore }
        guard let make = providers.withLock({ $0[reference.provider] }), !reference.key.isEmpty else {
            throw KeystoreError.unknownKeystore(reference)
        }
        let keystore = make(reference.key)
        keystores.withLock { $0[reference] = $0[reference] ?? keystore }
        return keystore
    }
}
