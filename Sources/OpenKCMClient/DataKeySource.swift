public import Crypto

/// Where an encryptor's data keys (L4) are wrapped and unwrapped: the core or
/// a gateway, over REST (``RESTDataKeySource``). The plaintext key is made on
/// this side; only the wrap and unwrap cross the wire, bound to the context.
public protocol DataKeySource: Sendable {
    /// The wrapped form of `key` (OpenKCM's envelope blob), bound to `context`.
    func wrap(_ key: SymmetricKey, context: [String: String]) async throws(OpenKCMClientError) -> [UInt8]
    /// The key inside `wrapped`; refused if the context differs or the tenant is locked.
    func unwrap(_ wrapped: [UInt8], context: [String: String]) async throws(OpenKCMClientError) -> SymmetricKey
    /// Crypto-shreds the data key inside `wrapped`: it never unwraps again.
    func destroy(_ wrapped: [UInt8]) async throws(OpenKCMClientError)
}

extension DataKeySource {
    /// Crypto-shreds the data key inside `wrapped` at OpenKCM: it never unwraps again, anywhere.
    public func destroy(_ wrapped: [UInt8]) async throws(OpenKCMClientError) {
        throw .refused(code: "datakey.destroy_unsupported", status: 501, detail: "this data key source cannot destroy keys")
    }
}
