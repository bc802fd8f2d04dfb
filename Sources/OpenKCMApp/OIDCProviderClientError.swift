/// The identity provider answered a document request with another status than 200.
struct OIDCProviderClientError: Error, CustomStringConvertible {
    let url: String
    let status: Int

    var description: String { "the identity provider answered \(status) for \(url)" }
}
