public import Crypto
public import Foundation

/// Seals and opens envelopes with AES-256-GCM.
///
/// The associated data is the header plus the ``EnvelopeBinding``, so what
/// the blob says about itself and where the caller says it belongs are both
/// authenticated.
public enum EnvelopeCipher {
    /// The size of every key below L1 and of the MasterKey.
    public static let keyByteCount = 32

    /// Wraps `key` (which must be a 256-bit key) under `wrappingKey` with a fresh nonce.
    public static func wrap(
        _ key: SymmetricKey,
        header: EnvelopeHeader,
        binding: EnvelopeBinding,
        wrappingKey: SymmetricKey
    ) throws(EnvelopeError) -> [UInt8] {
        try wrap(key, header: header, binding: binding, wrappingKey: wrappingKey, freshNonce: SystemRandom.nonce())
    }

    /// Wraps with a nonce the caller drew fresh from ``SystemRandom`` (a
    /// batch draws its nonces together). Not public: a nonce used twice under
    /// one key breaks GCM.
    package static func wrap(
        _ key: SymmetricKey,
        header: EnvelopeHeader,
        binding: EnvelopeBinding,
        wrappingKey: SymmetricKey,
        freshNonce: AES.GCM.Nonce
    ) throws(EnvelopeError) -> [UInt8] {
        let result = key.withUnsafeBytes { plaintext in
            Result { () throws(EnvelopeError) in
                try seal(plaintext, header: header, binding: binding, key: wrappingKey, nonce: freshNonce)
            }
        }
        return try result.get()
    }

    /// Unwraps a 256-bit key. The expected layer is checked before any crypto.
    public static func unwrap(
        _ wrapped: WrappedKey,
        expecting layer: EnvelopeLayer,
        binding: EnvelopeBinding,
        wrappingKey: SymmetricKey
    ) throws(EnvelopeError) -> SymmetricKey {
        guard wrapped.header.layer == layer else {
            throw .wrongLayer(expected: layer, found: wrapped.header.layer)
        }
        var plaintext = try open(wrapped, binding: binding, key: wrappingKey)
        defer { plaintext.resetBytes(in: 0..<plaintext.count) }
        guard plaintext.count == keyByteCount else {
            throw .invalidKeyLength(length: plaintext.count, expected: keyByteCount)
        }
        return SymmetricKey(data: plaintext)
    }

    /// Seals arbitrary bytes (barrier records, keystore payloads) with a fresh nonce.
    public static func seal<Plaintext: DataProtocol>(
        _ plaintext: Plaintext,
        header: EnvelopeHeader,
        binding: EnvelopeBinding,
        key: SymmetricKey
    ) throws(EnvelopeError) -> [UInt8] {
        try seal(plaintext, header: header, binding: binding, key: key, nonce: SystemRandom.nonce())
    }

    /// Seals with a caller-chosen nonce. Only the published test vectors use a
    /// fixed nonce: reusing a nonce under one key breaks GCM.
    package static func seal<Plaintext: DataProtocol>(
        _ plaintext: Plaintext,
        header: EnvelopeHeader,
        binding: EnvelopeBinding,
        key: SymmetricKey,
        nonce: AES.GCM.Nonce
    ) throws(EnvelopeError) -> [UInt8] {
        let aad = try binding.associatedData(header: header)
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: aad)
        } catch {
            // AES-GCM sealing fails only for a key of the wrong size.
            throw .invalidKeyLength(length: key.bitCount / 8, expected: keyByteCount)
        }
        var out = aad  // reuse: the header is the first 25 bytes of the AAD
        out.removeSubrange(EnvelopeHeader.size...)
        out.reserveCapacity(WrappedKey.overhead + box.ciphertext.count)
        nonce.withUnsafeBytes { out.append(contentsOf: $0) }
        out.append(contentsOf: box.ciphertext)
        out.append(contentsOf: box.tag)
        return out
    }

    /// Opens a blob; the plaintext is the caller's to zero.
    public static func open(_ wrapped: WrappedKey, binding: EnvelopeBinding, key: SymmetricKey) throws(EnvelopeError) -> Data {
        let aad = try binding.associatedData(headerBytes: wrapped.headerBytes)
        do {
            let box = try AES.GCM.SealedBox(combined: wrapped.combined)
            return try AES.GCM.open(box, using: key, authenticating: aad)
        } catch {
            throw .authenticationFailed
        }
    }
}
