package import CPKCS11
package import OpenKCMCore

/// A PKCS#11 call that did not return CKR_OK, or a module or token that could
/// not be found; mapped to ``KeystoreError`` at the keystore boundary.
package enum PKCS11Failure: Error, Equatable, CustomStringConvertible {
    case load(path: String, reason: String)
    case tokenNotFound(String)
    case call(String, CK_RV)
    case ambiguousLabel(String)

    package var description: String {
        switch self {
        case .load(let path, let reason): "cannot load PKCS#11 module \(path): \(reason)"
        case .tokenNotFound(let label): "no token labelled \(label) is present"
        case .call(let function, let rv): "\(function) returned \(Self.name(rv))"
        case .ambiguousLabel(let label): "more than one secret key is labelled \(label)"
        }
    }

    /// The session cannot be used again and is closed instead of pooled.
    var breaksSession: Bool {
        guard case .call(_, let rv) = self else { return false }
        return [CK_RV(CKR_SESSION_HANDLE_INVALID), CK_RV(CKR_SESSION_CLOSED), CK_RV(CKR_DEVICE_REMOVED), CK_RV(CKR_TOKEN_NOT_PRESENT),
                CK_RV(CKR_DEVICE_ERROR), CK_RV(CKR_USER_NOT_LOGGED_IN), CK_RV(CKR_OPERATION_ACTIVE)].contains(rv)
    }

    /// The same failure in the provider-neutral terms the key chain acts on.
    package func keystoreError(_ reference: KeystoreReference) -> KeystoreError {
        switch self {
        case .load, .tokenNotFound: return .unreachable(reference, reason: description)
        case .ambiguousLabel: return .accessDenied(reference, reason: description)
        case .call(let function, let rv):
            switch rv {
            // SoftHSM2 (and other modules) report a failed tag or integrity check on
            // these calls as a general failure, not as CKR_ENCRYPTED_DATA_INVALID.
            case CK_RV(CKR_GENERAL_ERROR) where function == "C_Decrypt" || function == "C_UnwrapKey",
                 CK_RV(CKR_FUNCTION_FAILED) where function == "C_Decrypt" || function == "C_UnwrapKey":
                return .badCiphertext(reference)
            case CK_RV(CKR_KEY_FUNCTION_NOT_PERMITTED), CK_RV(CKR_KEY_UNEXTRACTABLE): return .disabled(reference)
            case CK_RV(CKR_KEY_HANDLE_INVALID), CK_RV(CKR_OBJECT_HANDLE_INVALID), CK_RV(CKR_WRAPPING_KEY_HANDLE_INVALID),
                 CK_RV(CKR_UNWRAPPING_KEY_HANDLE_INVALID):
                return .notFound(reference)
            case CK_RV(CKR_PIN_INCORRECT), CK_RV(CKR_PIN_LOCKED), CK_RV(CKR_PIN_EXPIRED), CK_RV(CKR_PIN_INVALID),
                 CK_RV(CKR_PIN_LEN_RANGE), CK_RV(CKR_USER_NOT_LOGGED_IN):
                return .accessDenied(reference, reason: description)
            case CK_RV(CKR_ENCRYPTED_DATA_INVALID), CK_RV(CKR_ENCRYPTED_DATA_LEN_RANGE), CK_RV(CKR_WRAPPED_KEY_INVALID),
                 CK_RV(CKR_WRAPPED_KEY_LEN_RANGE), CK_RV(CKR_DATA_INVALID):
                return .badCiphertext(reference)
            case CK_RV(CKR_SESSION_COUNT), CK_RV(CKR_DEVICE_MEMORY), CK_RV(CKR_HOST_MEMORY): return .throttled(reference)
            default: return .unreachable(reference, reason: description)
            }
        }
    }

    /// The spec's name for the return values an operator is likely to see.
    static func name(_ rv: CK_RV) -> String {
        let names: [CK_RV: String] = [
            CK_RV(CKR_GENERAL_ERROR): "CKR_GENERAL_ERROR", CK_RV(CKR_FUNCTION_FAILED): "CKR_FUNCTION_FAILED",
            CK_RV(CKR_ARGUMENTS_BAD): "CKR_ARGUMENTS_BAD", CK_RV(CKR_ATTRIBUTE_READ_ONLY): "CKR_ATTRIBUTE_READ_ONLY",
            CK_RV(CKR_ATTRIBUTE_TYPE_INVALID): "CKR_ATTRIBUTE_TYPE_INVALID", CK_RV(CKR_ATTRIBUTE_VALUE_INVALID): "CKR_ATTRIBUTE_VALUE_INVALID",
            CK_RV(CKR_DATA_INVALID): "CKR_DATA_INVALID", CK_RV(CKR_DATA_LEN_RANGE): "CKR_DATA_LEN_RANGE",
            CK_RV(CKR_DEVICE_ERROR): "CKR_DEVICE_ERROR", CK_RV(CKR_DEVICE_MEMORY): "CKR_DEVICE_MEMORY",
            CK_RV(CKR_DEVICE_REMOVED): "CKR_DEVICE_REMOVED", CK_RV(CKR_ENCRYPTED_DATA_INVALID): "CKR_ENCRYPTED_DATA_INVALID",
            CK_RV(CKR_ENCRYPTED_DATA_LEN_RANGE): "CKR_ENCRYPTED_DATA_LEN_RANGE", CK_RV(CKR_KEY_HANDLE_INVALID): "CKR_KEY_HANDLE_INVALID",
            CK_RV(CKR_KEY_TYPE_INCONSISTENT): "CKR_KEY_TYPE_INCONSISTENT", CK_RV(CKR_KEY_FUNCTION_NOT_PERMITTED): "CKR_KEY_FUNCTION_NOT_PERMITTED",
            CK_RV(CKR_KEY_UNEXTRACTABLE): "CKR_KEY_UNEXTRACTABLE", CK_RV(CKR_MECHANISM_INVALID): "CKR_MECHANISM_INVALID",
            CK_RV(CKR_MECHANISM_PARAM_INVALID): "CKR_MECHANISM_PARAM_INVALID", CK_RV(CKR_OBJECT_HANDLE_INVALID): "CKR_OBJECT_HANDLE_INVALID",
            CK_RV(CKR_OPERATION_ACTIVE): "CKR_OPERATION_ACTIVE", CK_RV(CKR_PIN_INCORRECT): "CKR_PIN_INCORRECT",
            CK_RV(CKR_PIN_INVALID): "CKR_PIN_INVALID", CK_RV(CKR_PIN_LEN_RANGE): "CKR_PIN_LEN_RANGE",
            CK_RV(CKR_PIN_EXPIRED): "CKR_PIN_EXPIRED", CK_RV(CKR_PIN_LOCKED): "CKR_PIN_LOCKED",
            CK_RV(CKR_SESSION_CLOSED): "CKR_SESSION_CLOSED", CK_RV(CKR_SESSION_COUNT): "CKR_SESSION_COUNT",
            CK_RV(CKR_SESSION_HANDLE_INVALID): "CKR_SESSION_HANDLE_INVALID", CK_RV(CKR_SESSION_READ_ONLY): "CKR_SESSION_READ_ONLY",
            CK_RV(CKR_TEMPLATE_INCOMPLETE): "CKR_TEMPLATE_INCOMPLETE", CK_RV(CKR_TEMPLATE_INCONSISTENT): "CKR_TEMPLATE_INCONSISTENT",
            CK_RV(CKR_TOKEN_NOT_PRESENT): "CKR_TOKEN_NOT_PRESENT", CK_RV(CKR_USER_NOT_LOGGED_IN): "CKR_USER_NOT_LOGGED_IN",
            CK_RV(CKR_WRAPPED_KEY_INVALID): "CKR_WRAPPED_KEY_INVALID", CK_RV(CKR_WRAPPED_KEY_LEN_RANGE): "CKR_WRAPPED_KEY_LEN_RANGE",
            CK_RV(CKR_WRAPPING_KEY_HANDLE_INVALID): "CKR_WRAPPING_KEY_HANDLE_INVALID",
            CK_RV(CKR_UNWRAPPING_KEY_HANDLE_INVALID): "CKR_UNWRAPPING_KEY_HANDLE_INVALID",
            CK_RV(CKR_BUFFER_TOO_SMALL): "CKR_BUFFER_TOO_SMALL", CK_RV(CKR_CRYPTOKI_NOT_INITIALIZED): "CKR_CRYPTOKI_NOT_INITIALIZED",
            CK_RV(CKR_HOST_MEMORY): "CKR_HOST_MEMORY", CK_RV(CKR_SLOT_ID_INVALID): "CKR_SLOT_ID_INVALID",
        ]
        return names[rv] ?? "CKR 0x" + String(rv, radix: 16)
    }
}
