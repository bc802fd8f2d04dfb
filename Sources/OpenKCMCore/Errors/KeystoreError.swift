/// Why a keystore refused or failed a call.
public enum KeystoreError: OpenKCMError, Equatable {
    case unknownKeystore(KeystoreReference)
    case accessDenied(KeystoreReference, reason: String)
    case disabled(KeystoreReference)
    case notFound(KeystoreReference)
    case throttled(KeystoreReference)
    case unreachable(KeystoreReference, reason: String)
    /// The provider refused the ciphertext: wrong key, wrong context, or tampered.
    case badCiphertext(KeystoreReference)
    /// BYOK: the provider cannot take this material as this key (it exists already, or it does not import).
    case importRefused(KeystoreReference, reason: String)

    public var code: String {
        switch self {
        case .unknownKeystore: "keystore.unknown"
        case .accessDenied: "keystore.access_denied"
        case .disabled: "keystore.disabled"
        case .notFound: "keystore.not_found"
        case .throttled: "keystore.throttled"
        case .unreachable: "keystore.unreachable"
        case .badCiphertext: "keystore.bad_ciphertext"
        case .importRefused: "keystore.import_refused"
        }
    }

    public var description: String {
        switch self {
        case .unknownKeystore(let ref): "no keystore is configured for \(ref)"
        case .accessDenied(let ref, let reason): "keystore \(ref) denied access: \(reason)"
        case .disabled(let ref): "keystore key \(ref) is disabled by its owner"
        case .notFound(let ref): "keystore key \(ref) does not exist"
        case .throttled(let ref): "keystore \(ref) is throttling requests"
        case .unreachable(let ref, let reason): "keystore \(ref) is unreachable: \(reason)"
        case .badCiphertext(let ref): "keystore \(ref) refused the wrapped key (wrong key, wrong context, or tampered)"
        case .importRefused(let ref, let reason): "keystore \(ref) cannot import key material: \(reason)"
        }
    }
}
