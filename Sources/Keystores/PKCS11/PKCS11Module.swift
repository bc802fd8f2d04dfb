package import CPKCS11
import Synchronization

/// A PKCS#11 module loaded into this process. There is one per library path:
/// `C_Initialize` and the login state belong to the whole process, so every
/// connection to the same module shares it.
package final class PKCS11Module: @unchecked Sendable {
    // @unchecked: `functions` is written once by the module and only read after;
    // the module is initialised with CKF_OS_LOCKING_OK, so its calls are thread-safe.
    package let path: String
    let functions: CK_FUNCTION_LIST_PTR

    private static let loaded = Mutex<[String: PKCS11Module]>([:])

    private init(path: String, functions: CK_FUNCTION_LIST_PTR) {
        self.path = path
        self.functions = functions
    }

    /// Loads and initialises the module at `path`, or returns the one already loaded.
    package static func load(_ path: String) throws(PKCS11Failure) -> PKCS11Module {
        let result: Result<PKCS11Module, PKCS11Failure> = loaded.withLock { modules in
            if let module = modules[path] { return .success(module) }
            var list: CK_FUNCTION_LIST_PTR? = nil
            var message: UnsafePointer<CChar>? = nil
            guard openkcm_p11_load(path, &list, &message) != nil, let list else {
                return .failure(.load(path: path, reason: message.map { String(cString: $0) } ?? "unknown error"))
            }
            var arguments = CK_C_INITIALIZE_ARGS()
            arguments.flags = CK_FLAGS(CKF_OS_LOCKING_OK)
            let rv = list.pointee.C_Initialize(&arguments)
            guard rv == CKR_OK || rv == CKR_CRYPTOKI_ALREADY_INITIALIZED else {
                return .failure(.call("C_Initialize", rv))
            }
            let module = PKCS11Module(path: path, functions: list)
            modules[path] = module
            return .success(module)
        }
        return try result.get()
    }

    /// The slot holding the token labelled `label` (slot numbers are not stable:
    /// SoftHSM2 and many HSMs assign them at random, so tokens are found by label).
    package func slot(tokenLabel label: String) throws(PKCS11Failure) -> CK_SLOT_ID {
        var count: CK_ULONG = 0
        try check("C_GetSlotList", functions.pointee.C_GetSlotList(1, nil, &count))
        var slots = [CK_SLOT_ID](repeating: 0, count: Int(count))
        try check("C_GetSlotList", functions.pointee.C_GetSlotList(1, &slots, &count))
        for slot in slots.prefix(Int(count)) {
            var info = CK_TOKEN_INFO()
            guard functions.pointee.C_GetTokenInfo(slot, &info) == CKR_OK else { continue }
            let padded = withUnsafeBytes(of: info.label) { String(decoding: $0, as: UTF8.self) }
            if padded.trimmingTrailingSpaces == label { return slot }
        }
        throw .tokenNotFound(label)
    }

    /// Whether the token in `slot` offers `mechanism` for `flag` (CKF_ENCRYPT, CKF_WRAP...).
    package func supports(_ mechanism: CK_MECHANISM_TYPE, flag: CK_FLAGS, slot: CK_SLOT_ID) -> Bool {
        var info = CK_MECHANISM_INFO()
        return functions.pointee.C_GetMechanismInfo(slot, mechanism, &info) == CKR_OK && info.flags & flag != 0
    }
}

func check(_ function: String, _ rv: CK_RV) throws(PKCS11Failure) {
    guard rv == CKR_OK else { throw .call(function, rv) }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = Substring(self)
        while text.last == " " || text.last == "\0" { text = text.dropLast() }
        return String(text)
    }
}
