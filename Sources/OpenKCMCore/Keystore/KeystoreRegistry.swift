import Synchronization

/// Finds the ``Keystore`` for a stored ``KeystoreReference``.
public protocol KeystoreResolver: Sendable {
    func keystore(for reference: KeystoreReference) throws -> any Keystore
}

/// A resolver over keystores registered at start-up.
public final class KeystoreRegistry: KeystoreResolver {
    private let keystores = Mutex<[KeystoreReference: any Keystore]>([:])

    public init(_ keystores: [any Keystore] = []) {
        for keystore in keystores { register(keystore) }
    }

    public func register(_ keystore: any Keystore) {
        keystores.withLock { $0[keystore.reference] = keystore }
    }

    public func keystore(for reference: KeystoreReference) throws -> any Keystore {
        guard let keystore = keystores.withLock({ $0[reference] }) else {
            throw KeystoreError.unknownKeystore(reference)
        }
        return keystore
    }
}
