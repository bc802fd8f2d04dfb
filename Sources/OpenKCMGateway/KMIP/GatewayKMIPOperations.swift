import Crypto
import Foundation
import KMIP
public import KMIPEngine

extension KMIPEngine where Caller == GatewayKMIPClient {
    /// The operations a local application needs at its gateway: Create (an
    /// AES key made here, wrapped by the core), Activate, Get, Encrypt,
    /// Decrypt and Destroy (crypto-shredded at the core). Objects are born
    /// Active and have no stored attributes: Locate, Register and attribute
    /// operations are the core's (Operation Not Supported here). Activate
    /// answers Success for an object that opens (it is Active already), Destroy
    /// needs no Revoke first, Name and Usage Mask on Create are not kept, and
    /// Undo batches run as Stop.
    public mutating func registerGatewayOperations(_ gateway: Gateway) {
        queryObjectTypes = [.symmetricKey]
        register(.create) { payload, request throws(KMIPOperationError) in
            let attributes = KMIPRequestedAttributes(payload)
            guard payload[.objectType]?.enumerationValue == KMIPObjectType.symmetricKey.rawValue,
                  attributes.algorithm == nil || attributes.algorithm == KMIPCryptographicAlgorithm.aes.rawValue
            else { throw KMIPOperationError(.featureNotSupported, "the gateway makes AES keys only") }
            // Custom attributes are not kept here (objects have no stored attributes); one that binds the
            // key to a subject would otherwise be dropped silently, and the key outlive the subject's destruction.
            guard attributes.custom.isEmpty else {
                throw KMIPOperationError(.featureNotSupported, "the gateway keeps no custom attributes (a subject-bound key, x-openkcm-subject, is created at the core)")
            }
            // A gateway object is a data key (L4), and those are AES-256.
            guard (attributes.length ?? 256) == 256 else { throw KMIPOperationError(.invalidField, "the gateway makes AES-256 keys (Cryptographic Length 256)") }
            let key = SymmetricKey(size: .bits256)
            let wrapped = try await Self.atCore(request.version, creating: true) { try await gateway.wrap(key, context: GatewayKMIPObject.context) }
            return [TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
                    TTLVItem(.uniqueIdentifier, .textString(GatewayKMIPObject.identifier(wrapped: wrapped)))]
        }
        register(.activate) { payload, request throws(KMIPOperationError) in
            let uid = try Self.uniqueIdentifier(payload)
            _ = try await Self.key(uid, gateway, request.version)
            return [TTLVItem(.uniqueIdentifier, .textString(uid))]
        }
        register(.get) { payload, request throws(KMIPOperationError) in
            let uid = try Self.uniqueIdentifier(payload)
            if let format = payload[.keyFormatType]?.enumerationValue, format != KMIPKeyFormatType.raw.rawValue {
                throw KMIPOperationError(.keyFormatTypeNotSupported, "keys are given in Raw format")
            }
            guard payload[.keyWrappingSpecification] == nil else {
                throw KMIPOperationError(.featureNotSupported, "wrapped Get is served by the core, not the gateway")
            }
            // The bytes go into the answer, which is this operation's contract; the SymmetricKey is zeroed by swift-crypto.
            let material = try await Self.key(uid, gateway, request.version).withUnsafeBytes { Array($0) }
            let block: [TTLVItem] = [
                TTLVItem(.keyFormatType, .enumeration(KMIPKeyFormatType.raw.rawValue)),
                .structure(.keyValue, [TTLVItem(.keyMaterial, .byteString(material))]),
                TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)),
                TTLVItem(.cryptographicLength, .integer(Int32(material.count * 8))),
            ]
            return [TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)), TTLVItem(.uniqueIdentifier, .textString(uid)),
                    .structure(.symmetricKey, [.structure(.keyBlock, block)])]
        }
        register(.encrypt) { payload, request throws(KMIPOperationError) in
            let uid = try Self.uniqueIdentifier(payload)
            let cipher = try KMIPCipher(payload)
            guard let data = payload[.data]?.bytesValue else { throw KMIPOperationError(.invalidField, "Encrypt needs Data") }
            let (ciphertext, madeIV, tag) = try cipher.encrypt(data, key: try await Self.key(uid, gateway, request.version))
            var items = [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.data, .byteString(ciphertext))]
            if let madeIV { items.append(TTLVItem(.ivCounterNonce, .byteString(madeIV))) }
            if let tag { items.append(TTLVItem(.authenticatedEncryptionTag, .byteString(tag))) }
            return items
        }
        register(.decrypt) { payload, request throws(KMIPOperationError) in
            let uid = try Self.uniqueIdentifier(payload)
            let cipher = try KMIPCipher(payload)
            guard let data = payload[.data]?.bytesValue else { throw KMIPOperationError(.invalidField, "Decrypt needs Data") }
            let plaintext = try cipher.decrypt(data, key: try await Self.key(uid, gateway, request.version))
            return [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.data, .byteString(plaintext))]
        }
        register(.destroy) { payload, request throws(KMIPOperationError) in
            let uid = try Self.uniqueIdentifier(payload)
            guard let wrapped = GatewayKMIPObject.wrapped(uid) else { throw KMIPOperationError.notFound("no object \(uid)", version: request.version) }
            // Only a KMIP object can be destroyed here: it must open under the KMIP context first, so an SDK
            // record's data key (another context) or a made-up blob is Item Not Found, and a destroyed one too.
            _ = try await Self.key(uid, gateway, request.version)
            try await Self.atCore(request.version) { try await gateway.revoke(wrapped) }
            return [TTLVItem(.uniqueIdentifier, .textString(uid))]
        }
    }

    private static func uniqueIdentifier(_ payload: TTLVItem) throws(KMIPOperationError) -> String {
        guard let uid = payload[.uniqueIdentifier]?.textValue else { throw KMIPOperationError(.invalidField, "a Unique Identifier is required") }
        return uid
    }

    /// The object's key, unwrapped through the gateway's cache or the core.
    private static func key(_ uid: String, _ gateway: Gateway, _ version: KMIPVersion) async throws(KMIPOperationError) -> SymmetricKey {
        guard let wrapped = GatewayKMIPObject.wrapped(uid) else { throw KMIPOperationError.notFound("no object \(uid)", version: version) }
        return try await atCore(version) { try await gateway.unwrapKey(wrapped, context: GatewayKMIPObject.context) }
    }

    /// A call to the core, its refusal said the KMIP way: a lock (the kill
    /// switch), a revoked identity or a destroyed key is what the client
    /// must not get past, whatever the cause.
    /// A blob the core cannot open (400: another context, a foreign or
    /// malformed envelope) names no object: Item Not Found (Object Not Found
    /// in 2.x), except on Create.
    /// A key state that forbids the use (409) is the version's wrong-state reason.
    private static func atCore<T>(_ version: KMIPVersion, creating: Bool = false, _ body: () async throws -> T) async throws(KMIPOperationError) -> T {
        do {
            return try await body()
        } catch let error as GatewayError {
            switch error.status {
            case 401, 403, 423: throw KMIPOperationError(.permissionDenied, error.detail)
            case 404, 410: throw KMIPOperationError.notFound(error.detail, version: version)
            case 400: throw creating ? KMIPOperationError(.invalidField, error.detail) : KMIPOperationError.notFound(error.detail, version: version)
            case 409: throw KMIPOperationError.wrongState(error.detail, version: version)
            default: throw KMIPOperationError(.generalFailure, error.detail)
            }
        } catch {
            throw KMIPOperationError(.generalFailure, "the core could not be reached")
        }
    }
}
