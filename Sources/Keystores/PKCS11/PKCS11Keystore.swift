import CPKCS11
public import Crypto
public import Foundation
public import OpenKCMCore

/// A customer's AES key in a PKCS#11 HSM as an L1 (or a seal or shard key),
/// found on its token by label. OpenKCM only asks the HSM to wrap and unwrap;
/// the key never leaves it (HYOK).
///
/// A wrapped key is `01 | mechanism | ...`:
/// - `01` AES-GCM: `| IV (12) | ciphertext (32) | tag (16)`, with the header and the
///   canonical ``KeystoreContext`` as additional authenticated data;
/// - `02` AES key wrap with padding (RFC 5649, for HSMs without GCM): the wrapped
///   64-byte secret `key | SHA-256(header | context)`, checked in constant time on unwrap.
public struct PKCS11Keystore: Keystore {
    public let reference: KeystoreReference
    let label: String
    let token: PKCS11Token
    let mechanism: PKCS11WrapMechanism?

    /// - Parameters:
    ///   - mechanism: nil picks AES-GCM when the token offers it, else AES-KWP.
    public init(label: String, token: PKCS11Token, provider: String? = nil, mechanism: PKCS11WrapMechanism? = nil) {
        self.label = label
        self.token = token
        self.mechanism = mechanism
        self.reference = KeystoreReference(provider: provider ?? "pkcs11", key: provider == nil ? "\(token.tokenLabel)/\(label)" : label)
    }

    public func wrap(_ key: SymmetricKey, context: KeystoreContext) async throws -> Data {
        let (label, chosen, reference) = (label, mechanism, reference)
        var secret = key.withUnsafeBytes { Array($0) }
        defer { secret.zeroize() }
        let plaintext = secret
        do {
            return try await token.withSession { (session) throws -> Data in
                guard let object = try session.secretKey(label: label) else { throw PKCS11Failure.call("C_FindObjects", CK_RV(CKR_KEY_HANDLE_INVALID)) }
                let mechanism = Self.mechanism(chosen, session)
                let header: [UInt8] = [1, mechanism.rawValue]
                switch mechanism {
                case .aesGCM:
                    let iv = AES.GCM.Nonce().withUnsafeBytes { Array($0) }
                    let sealed = try session.encryptGCM(key: object, iv: iv, aad: header + Self.canonical(context), plaintext: plaintext)
                    return Data(header + iv + sealed)
                case .aesKeyWrapPad:
                    var bound = plaintext + Array(SHA256.hash(data: header + Self.canonical(context)))
                    defer { bound.zeroize() }
                    let temporary = try session.createObject(Self.sessionSecret(value: bound))
                    defer { try? session.destroyObject(temporary) }
                    return Data(header + (try session.wrapKey(temporary, with: object, mechanism: CK_MECHANISM_TYPE(CKM_AES_KEY_WRAP_PAD))))
                }
            }
        } catch let error as PKCS11Failure {
            throw error.keystoreError(reference)
        }
    }

    public func unwrap(_ wrapped: Data, context: KeystoreContext) async throws -> SymmetricKey {
        let (label, reference) = (label, reference)
        let blob = Array(wrapped)
        guard blob.count > 2, blob[0] == 1, let mechanism = PKCS11WrapMechanism(rawValue: blob[1]) else {
            throw KeystoreError.badCiphertext(reference)
        }
        let header = Array(blob[0..<2])
        do {
            var secret = try await token.withSession { (session) throws -> [UInt8] in
                guard let object = try session.secretKey(label: label) else { throw PKCS11Failure.call("C_FindObjects", CK_RV(CKR_KEY_HANDLE_INVALID)) }
                switch mechanism {
                case .aesGCM:
                    guard blob.count == 2 + 12 + 32 + 16 else { throw PKCS11Failure.call("C_Decrypt", CK_RV(CKR_ENCRYPTED_DATA_LEN_RANGE)) }
                    return try session.decryptGCM(key: object, iv: Array(blob[2..<14]), aad: header + Self.canonical(context), ciphertext: Array(blob[14...]))
                case .aesKeyWrapPad:
                    let unwrapped = try session.unwrapKey(Array(blob[2...]), with: object, mechanism: CK_MECHANISM_TYPE(CKM_AES_KEY_WRAP_PAD),
                                                          template: Self.sessionSecret(value: nil))
                    defer { try? session.destroyObject(unwrapped) }
                    var bound = try session.bytes(CKA_VALUE, of: unwrapped, maximum: 64)
                    defer { bound.zeroize() }
                    let expected = Array(SHA256.hash(data: header + Self.canonical(context)))
                    guard bound.count == 64, ConstantTime.equals(bound[32...], expected[...]) else {
                        throw PKCS11Failure.call("C_UnwrapKey", CK_RV(CKR_WRAPPED_KEY_INVALID))
                    }
                    return Array(bound[..<32])
                }
            }
            defer { secret.zeroize() }
            guard secret.count == 32 else { throw KeystoreError.badCiphertext(reference) }
            return SymmetricKey(data: secret)
        } catch let error as PKCS11Failure {
            throw error.keystoreError(reference)
        }
    }

    /// Finds the key and reads its usage flags: gone means deleted, a cleared
    /// encrypt/decrypt (or wrap/unwrap) flag means the customer disabled it.
    public func status() async -> KeystoreStatus {
        let (label, chosen) = (label, mechanism)
        do {
            return try await token.withSession { (session) throws -> KeystoreStatus in
                guard let object = try session.secretKey(label: label) else {
                    return .deleted(reason: "no secret key labelled \(label) on token \(session.slot)")
                }
                let mechanism = Self.mechanism(chosen, session)
                let (use, open, names) = mechanism == .aesGCM ? (CKA_ENCRYPT, CKA_DECRYPT, "CKA_ENCRYPT/CKA_DECRYPT") : (CKA_WRAP, CKA_UNWRAP, "CKA_WRAP/CKA_UNWRAP")
                guard try session.bool(CK_ATTRIBUTE_TYPE(use), of: object) == true, try session.bool(CK_ATTRIBUTE_TYPE(open), of: object) == true else {
                    return .disabled(reason: "the key's \(names) attributes are off")
                }
                return .enabled
            }
        } catch let error as PKCS11Failure {
            switch error.keystoreError(reference) {
            case .notFound: return .deleted(reason: error.description)
            case .disabled, .accessDenied: return .disabled(reason: error.description)
            default: return .unreachable(reason: error.description)
            }
        } catch {
            return .unreachable(reason: "\(error)")
        }
    }

    /// The configured mechanism, else GCM when the token offers it, else KWP.
    static func mechanism(_ chosen: PKCS11WrapMechanism?, _ session: PKCS11Session) -> PKCS11WrapMechanism {
        chosen ?? (session.module.supports(CK_MECHANISM_TYPE(CKM_AES_GCM), flag: CK_FLAGS(CKF_ENCRYPT), slot: session.slot) ? .aesGCM : .aesKeyWrapPad)
    }

    /// The context in its canonical byte form (the envelope's).
    static func canonical(_ context: KeystoreContext) -> [UInt8] {
        (try? EncryptionContext(context.pairs))?.encoded ?? []
    }

    /// A session-only, extractable generic secret: the KWP path's temporary object.
    static func sessionSecret(value: [UInt8]?) -> [PKCS11Attribute] {
        var template: [PKCS11Attribute] = [
            .init(CKA_CLASS, ulong: CK_ULONG(CKO_SECRET_KEY)),
            .init(CKA_KEY_TYPE, ulong: CK_ULONG(CKK_GENERIC_SECRET)),
            .init(CKA_TOKEN, bool: false),
            .init(CKA_SENSITIVE, bool: false),
            .init(CKA_EXTRACTABLE, bool: true),
        ]
        if let value { template.append(.init(CKA_VALUE, bytes: value)) }
        return template
    }
}

/// How a ``PKCS11Keystore`` wraps: the second byte of its wrapped keys.
public enum PKCS11WrapMechanism: UInt8, Sendable {
    /// CKM_AES_GCM through C_Encrypt/C_Decrypt, the context as AAD.
    case aesGCM = 1
    /// CKM_AES_KEY_WRAP_PAD through C_WrapKey/C_UnwrapKey, the context digest inside.
    case aesKeyWrapPad = 2
}

extension PKCS11Keystore: KeystoreImporting {
    /// BYOK into the HSM with C_UnwrapKey: the material is wrapped (AES-KWP) under
    /// a fresh transport key that lives only as a session object, and unwrapped
    /// into a token key with this keystore's label, non-extractable, allowed to
    /// encrypt, decrypt, wrap and unwrap. Refused if the label is taken. HSMs in
    /// a mode that forbids plaintext session keys need an RSA transport key instead.
    public func importKey(_ material: SymmetricKey) async throws {
        let (label, reference) = (label, reference)
        var secret = material.withUnsafeBytes { Array($0) }
        defer { secret.zeroize() }
        let transport = SymmetricKey(size: .bits256)
        let wrapped = try AESKeyWrapWithPadding.wrap(secret, using: transport)
        var transportBytes = transport.withUnsafeBytes { Array($0) }
        defer { transportBytes.zeroize() }
        let transportValue = transportBytes
        do {
            try await token.withSession(readWrite: true) { session in
                guard try session.secretKey(label: label) == nil else {
                    throw KeystoreError.importRefused(reference, reason: "a key labelled \(label) already exists on the token")
                }
                let transportKey = try session.createObject([
                    .init(CKA_CLASS, ulong: CK_ULONG(CKO_SECRET_KEY)), .init(CKA_KEY_TYPE, ulong: CK_ULONG(CKK_AES)),
                    .init(CKA_TOKEN, bool: false), .init(CKA_UNWRAP, bool: true), .init(CKA_ENCRYPT, bool: false),
                    .init(CKA_DECRYPT, bool: false), .init(CKA_SENSITIVE, bool: true), .init(CKA_EXTRACTABLE, bool: false),
                    .init(CKA_VALUE, bytes: transportValue),
                ])
                defer { try? session.destroyObject(transportKey) }
                _ = try session.unwrapKey(Array(wrapped), with: transportKey, mechanism: CK_MECHANISM_TYPE(CKM_AES_KEY_WRAP_PAD), template: [
                    .init(CKA_CLASS, ulong: CK_ULONG(CKO_SECRET_KEY)), .init(CKA_KEY_TYPE, ulong: CK_ULONG(CKK_AES)),
                    .init(CKA_LABEL, bytes: Array(label.utf8)), .init(CKA_TOKEN, bool: true), .init(CKA_PRIVATE, bool: true),
                    .init(CKA_SENSITIVE, bool: true), .init(CKA_EXTRACTABLE, bool: false),
                    .init(CKA_ENCRYPT, bool: true), .init(CKA_DECRYPT, bool: true), .init(CKA_WRAP, bool: true), .init(CKA_UNWRAP, bool: true),
                ])
            }
        } catch let error as PKCS11Failure {
            throw error.keystoreError(reference)
        }
    }
}
