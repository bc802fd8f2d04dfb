package import CPKCS11
import OpenKCMCore

/// One open session on a token: the calls OpenKCM makes, each a thin layer over
/// the C function with its arguments laid out in memory Swift owns for the call.
/// A session is used by one task at a time (``PKCS11Token`` hands them out).
package struct PKCS11Session: @unchecked Sendable {
    // @unchecked: a handle plus the module's immutable function list.
    let module: PKCS11Module
    package let handle: CK_SESSION_HANDLE
    package let slot: CK_SLOT_ID

    private var functions: CK_FUNCTION_LIST { module.functions.pointee }

    /// The one secret key labelled `label`, or nil when there is none.
    package func secretKey(label: String) throws -> CK_OBJECT_HANDLE? {
        let found = try findObjects([
            .init(CKA_CLASS, ulong: CK_ULONG(CKO_SECRET_KEY)),
            .init(CKA_LABEL, bytes: Array(label.utf8)),
        ], limit: 2)
        if found.count > 1 { throw PKCS11Failure.ambiguousLabel(label) }
        return found.first
    }

    package func findObjects(_ template: [PKCS11Attribute], limit: Int) throws -> [CK_OBJECT_HANDLE] {
        try PKCS11Attribute.withTemplate(template) { (pointer, count) throws in
            try check("C_FindObjectsInit", functions.C_FindObjectsInit(handle, pointer, count))
        }
        var objects = [CK_OBJECT_HANDLE](repeating: 0, count: limit)
        var found: CK_ULONG = 0
        let rv = functions.C_FindObjects(handle, &objects, CK_ULONG(limit), &found)
        let final = functions.C_FindObjectsFinal(handle)
        try check("C_FindObjects", rv)
        try check("C_FindObjectsFinal", final)
        return Array(objects.prefix(Int(found)))
    }

    /// A CK_BBOOL attribute, or nil when the object does not have it.
    package func bool(_ type: CK_ATTRIBUTE_TYPE, of object: CK_OBJECT_HANDLE) throws -> Bool? {
        var value: CK_BBOOL = 0
        let rv = withUnsafeMutableBytes(of: &value) { raw in
            var attribute = CK_ATTRIBUTE(type: type, pValue: raw.baseAddress, ulValueLen: CK_ULONG(raw.count))
            return functions.C_GetAttributeValue(handle, object, &attribute, 1)
        }
        if rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE { return nil }
        try check("C_GetAttributeValue", rv)
        return value != 0
    }

    /// A byte-string attribute's value (e.g. CKA_VALUE of an extractable session key).
    package func bytes(_ type: CK_ATTRIBUTE_TYPE, of object: CK_OBJECT_HANDLE, maximum: Int = 4096) throws -> [UInt8] {
        var value = [UInt8](repeating: 0, count: maximum)
        let length = try value.withUnsafeMutableBytes { (buffer) throws -> Int in
            var attribute = CK_ATTRIBUTE(type: type, pValue: buffer.baseAddress, ulValueLen: CK_ULONG(buffer.count))
            try check("C_GetAttributeValue", functions.C_GetAttributeValue(handle, object, &attribute, 1))
            return Int(attribute.ulValueLen)
        }
        defer { value.zeroize() }
        return Array(value.prefix(length))
    }

    package func setAttributes(_ template: [PKCS11Attribute], of object: CK_OBJECT_HANDLE) throws {
        try PKCS11Attribute.withTemplate(template) { (pointer, count) throws in
            try check("C_SetAttributeValue", functions.C_SetAttributeValue(handle, object, pointer, count))
        }
    }

    /// AES-GCM encryption with a 128-bit tag: returns ciphertext || tag.
    package func encryptGCM(key: CK_OBJECT_HANDLE, iv: [UInt8], aad: [UInt8], plaintext: [UInt8]) throws -> [UInt8] {
        try withGCM(iv: iv, aad: aad) { (mechanism) throws in
            try check("C_EncryptInit", functions.C_EncryptInit(handle, mechanism, key))
            var input = plaintext
            defer { input.zeroize() }
            var output = [UInt8](repeating: 0, count: plaintext.count + 16)
            var length = CK_ULONG(output.count)
            try check("C_Encrypt", functions.C_Encrypt(handle, &input, CK_ULONG(input.count), &output, &length))
            return Array(output.prefix(Int(length)))
        }
    }

    /// Opens what ``encryptGCM(key:iv:aad:plaintext:)`` sealed; the caller zeroes the result.
    package func decryptGCM(key: CK_OBJECT_HANDLE, iv: [UInt8], aad: [UInt8], ciphertext: [UInt8]) throws -> [UInt8] {
        try withGCM(iv: iv, aad: aad) { (mechanism) throws in
            try check("C_DecryptInit", functions.C_DecryptInit(handle, mechanism, key))
            var input = ciphertext
            var output = [UInt8](repeating: 0, count: max(ciphertext.count, 1))
            var length = CK_ULONG(output.count)
            let rv = functions.C_Decrypt(handle, &input, CK_ULONG(input.count), &output, &length)
            guard rv == CKR_OK else {
                output.zeroize()
                throw PKCS11Failure.call("C_Decrypt", rv)
            }
            let plaintext = Array(output.prefix(Int(length)))
            output.zeroize()
            return plaintext
        }
    }

    private func withGCM<T>(iv: [UInt8], aad: [UInt8], _ body: (UnsafeMutablePointer<CK_MECHANISM>) throws -> T) throws -> T {
        var iv = iv
        var aad = aad
        return try iv.withUnsafeMutableBufferPointer { (ivBuffer) throws -> T in
            try aad.withUnsafeMutableBufferPointer { (aadBuffer) throws -> T in
                var parameters = CK_GCM_PARAMS(
                    pIv: ivBuffer.baseAddress, ulIvLen: CK_ULONG(ivBuffer.count), ulIvBits: CK_ULONG(ivBuffer.count * 8),
                    pAAD: aadBuffer.baseAddress, ulAADLen: CK_ULONG(aadBuffer.count), ulTagBits: 128)
                return try withUnsafeMutableBytes(of: &parameters) { (raw) throws -> T in
                    var mechanism = CK_MECHANISM(mechanism: CK_MECHANISM_TYPE(CKM_AES_GCM), pParameter: raw.baseAddress, ulParameterLen: CK_ULONG(raw.count))
                    return try body(&mechanism)
                }
            }
        }
    }

    /// Wraps the object `key` under `wrappingKey` with `mechanism` (no parameters: AES key wrap with padding).
    package func wrapKey(_ key: CK_OBJECT_HANDLE, with wrappingKey: CK_OBJECT_HANDLE, mechanism type: CK_MECHANISM_TYPE) throws -> [UInt8] {
        var mechanism = CK_MECHANISM(mechanism: type, pParameter: nil, ulParameterLen: 0)
        var output = [UInt8](repeating: 0, count: 4096)
        var length = CK_ULONG(output.count)
        try check("C_WrapKey", functions.C_WrapKey(handle, &mechanism, wrappingKey, key, &output, &length))
        return Array(output.prefix(Int(length)))
    }

    /// Unwraps `wrapped` under `unwrappingKey` into a new object made from `template`.
    package func unwrapKey(_ wrapped: [UInt8], with unwrappingKey: CK_OBJECT_HANDLE, mechanism type: CK_MECHANISM_TYPE,
                           parameter: [UInt8] = [], template: [PKCS11Attribute]) throws -> CK_OBJECT_HANDLE {
        var wrapped = wrapped
        var parameter = parameter
        return try parameter.withUnsafeMutableBytes { (raw) throws -> CK_OBJECT_HANDLE in
            var mechanism = CK_MECHANISM(mechanism: type, pParameter: raw.isEmpty ? nil : raw.baseAddress, ulParameterLen: CK_ULONG(raw.count))
            return try PKCS11Attribute.withTemplate(template) { (pointer, count) throws -> CK_OBJECT_HANDLE in
                var object: CK_OBJECT_HANDLE = 0
                try check("C_UnwrapKey", functions.C_UnwrapKey(handle, &mechanism, unwrappingKey, &wrapped, CK_ULONG(wrapped.count), pointer, count, &object))
                return object
            }
        }
    }

    package func createObject(_ template: [PKCS11Attribute]) throws -> CK_OBJECT_HANDLE {
        try PKCS11Attribute.withTemplate(template) { (pointer, count) throws -> CK_OBJECT_HANDLE in
            var object: CK_OBJECT_HANDLE = 0
            try check("C_CreateObject", functions.C_CreateObject(handle, pointer, count, &object))
            return object
        }
    }

    /// Generates an AES key on the token (customer-side set-up; OpenKCM itself never creates L1s).
    package func generateAESKey(_ template: [PKCS11Attribute]) throws -> CK_OBJECT_HANDLE {
        var mechanism = CK_MECHANISM(mechanism: CK_MECHANISM_TYPE(CKM_AES_KEY_GEN), pParameter: nil, ulParameterLen: 0)
        return try PKCS11Attribute.withTemplate(template) { (pointer, count) throws -> CK_OBJECT_HANDLE in
            var object: CK_OBJECT_HANDLE = 0
            try check("C_GenerateKey", functions.C_GenerateKey(handle, &mechanism, pointer, count, &object))
            return object
        }
    }

    package func destroyObject(_ object: CK_OBJECT_HANDLE) throws {
        try check("C_DestroyObject", functions.C_DestroyObject(handle, object))
    }
}

/// One entry of a PKCS#11 attribute template, holding its value bytes.
package struct PKCS11Attribute: Sendable {
    package var type: CK_ATTRIBUTE_TYPE
    package var value: [UInt8]

    package init(_ type: some BinaryInteger, bytes: [UInt8]) {
        self.type = CK_ATTRIBUTE_TYPE(type)
        self.value = bytes
    }

    package init(_ type: some BinaryInteger, ulong: CK_ULONG) {
        self.init(type, bytes: withUnsafeBytes(of: ulong) { Array($0) })
    }

    package init(_ type: some BinaryInteger, bool: Bool) {
        self.init(type, bytes: [bool ? 1 : 0])
    }

    /// Lays the template out as CK_ATTRIBUTEs pointing into one buffer that lives for `body`.
    static func withTemplate<T>(_ template: [PKCS11Attribute],
                                _ body: (UnsafeMutablePointer<CK_ATTRIBUTE>?, CK_ULONG) throws -> T) throws -> T {
        var storage = template.flatMap(\.value)
        defer { storage.zeroize() }
        return try storage.withUnsafeMutableBytes { (buffer) throws -> T in
            var offset = 0
            var attributes = template.map { entry -> CK_ATTRIBUTE in
                defer { offset += entry.value.count }
                return CK_ATTRIBUTE(type: entry.type, pValue: entry.value.isEmpty ? nil : buffer.baseAddress.map { $0 + offset },
                                    ulValueLen: CK_ULONG(entry.value.count))
            }
            return try attributes.withUnsafeMutableBufferPointer { (pointer) throws -> T in
                try body(pointer.baseAddress, CK_ULONG(pointer.count))
            }
        }
    }
}
