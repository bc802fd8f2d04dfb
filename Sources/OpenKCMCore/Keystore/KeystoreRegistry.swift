import Synchronization

/// Finds the ``Keystore`` for a stored ``KeystoreReference``.
public protocol KeystoreResolver: Sendable {
    func keystore(for reference: KeystoreReference) throws -> any Keystore
}

/// A resolver over keystores registered at start-up.
public final class KeystoreRegistry: KeystoreResolver {
    private struct State {
        var keystores: [KeystoreReference: any Keystore] = [:]
        /// Configured provider connections: a provider name and a key reference make a keystore.
        var providers: [String: (generation: Int, make: @Sendable (String) -> any Keystore)] = [:]
        var generation = 0
    }

    private let state = Mutex(State())

    public init(_ keystores: [any Keystore] = []) {
        for keystore in keystores { register(keystore) }
    }

    public func register(_ keystore: any Keystore) {
        state.withLock { $0.keystores[keystore.reference] = keystore }
    }

    /// Registers a provider connection: any key reference under `name`
    /// resolves to the keystore `make` builds for it (built once, then kept).
    /// Registering a name again (a credential reload) replaces the connection
    /// and drops the keystores built from the old one.
    public func registerProvider(_ name: String, make: @escaping @Sendable (String) -> any Keystore) {
        state.withLock { state in
            state.generation += 1
            state.providers[name] = (state.generation, make)
            state.keystores = state.keystores.filter { $0.key.provider != name }
        }
    }

    public func keystore(for reference: KeystoreReference) throws -> any Keystore {
        let (cached, make) = state.withLock { ($0.keystores[reference], $0.providers[reference.provider]) }
        if let cached { return cached }
        guard let make, !reference.key.isEmpty else { throw KeystoreError.unknownKeystore(reference) }
        let keystore = make.make(reference.key)
        return state.withLock { state in
            if let existing = state.keystores[reference] { return existing }
            // Keep the instance only if the connection was not replaced meanwhile.
            if state.providers[reference.provider]?.generation == make.generation { state.keystores[reference] = keystore }
            return keystore
        }
    }
}
