public import Crypto

/// Where an encryptor's data keys (L4) are wrapped and unwrapped: the core or
/// a gateway, over REST (``RESTDataKeySource``). The plaintext key is made on
/// this side; only the wrap and unwrap cross the wire, bound to the context.
public protocol DataKeySource: Sendable {
    /// The wrapped form of `key` (OpenKCM's envelope blob), bound to `context`.
    func wrap(_ key: SymmetricKey, context: [String: String]) async throws(OpenKCMClientError) -> [UInt8]
    /// The key inside `wrapped`; refused if the context differs or the tenant is locked.
    func unwrap(_ wrapped: [UInt8], context: [String: String]) async throws(OpenKCMClientError) -> SymmetricKey
    /// Revokes the data key inside `wrapped`: OpenKCM refuses to unwrap it again.
    func revoke(_ wrapped: [UInt8]) async throws(OpenKCMClientError)
    /// Wraps `key` bound to `subject` (a user id) as well as `context`: it is
    /// crypto-shredded with the subject (``destroySubject(_:)``). Without a
    /// subject, the same as ``wrap(_:context:)``.
    func wrap(_ key: SymmetricKey, context: [String: String], subject: String?) async throws(OpenKCMClientError) -> [UInt8]
    /// The key inside a blob; a subject-bound blob needs its subject, a plain one none.
    func unwrap(_ wrapped: [UInt8], context: [String: String], subject: String?) async throws(OpenKCMClientError) -> SymmetricKey
    /// Crypto-shreds a subject: every data key bound to it is unrecoverable,
    /// from any copy, and the subject id is refused from then on.
    func destroySubject(_ subject: String) async throws(OpenKCMClientError)
    /// The same data key wrapped again under the service's current L3
    /// version, opened and wrapped inside OpenKCM (the key never crosses the
    /// wire). The old blob stays as valid, or as revoked, as it was.
    func rewrap(_ wrapped: [UInt8], context: [String: String], subject: String?) async throws(OpenKCMClientError) -> [UInt8]
}

extension DataKeySource {
    public func revoke(_ wrapped: [UInt8]) async throws(OpenKCMClientError) {
        throw .refused(code: "datakey.revoke_unsupported", status: 501, detail: "this data key source cannot revoke keys")
    }

    /// The former name of ``revoke(_:)``: it never crypto-shredded anything.
    @available(*, deprecated, renamed: "revoke(_:)")
    public func destroy(_ wrapped: [UInt8]) async throws(OpenKCMClientError) {
        try await revoke(wrapped)
    }

    public func wrap(_ key: SymmetricKey, context: [String: String], subject: String?) async throws(OpenKCMClientError) -> [UInt8] {
        guard subject == nil else { throw Self.noSubjects }
        return try await wrap(key, context: context)
    }

    public func unwrap(_ wrapped: [UInt8], context: [String: String], subject: String?) async throws(OpenKCMClientError) -> SymmetricKey {
        guard subject == nil else { throw Self.noSubjects }
        return try await unwrap(wrapped, context: context)
    }

    public func destroySubject(_ subject: String) async throws(OpenKCMClientError) {
        throw Self.noSubjects
    }

    public func rewrap(_ wrapped: [UInt8], context: [String: String], subject: String?) async throws(OpenKCMClientError) -> [UInt8] {
        throw .refused(code: "datakey.rewrap_unsupported", status: 501, detail: "this data key source cannot rewrap keys")
    }

    private static var noSubjects: OpenKCMClientError {
        .refused(code: "subject.unsupported", status: 501, detail: "this data key source does not bind keys to subjects")
    }
}
