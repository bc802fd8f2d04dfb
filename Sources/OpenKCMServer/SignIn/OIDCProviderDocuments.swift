/// Reads the identity provider's documents (its discovery document and its
/// JWKS) over HTTPS. The composition gives the HTTP client; tests may give
/// anything that answers.
public protocol OIDCProviderDocuments: Sendable {
    /// The body of a GET of `url`, at most 1 MiB; throws on any status but 200.
    func document(at url: String) async throws -> [UInt8]
}
