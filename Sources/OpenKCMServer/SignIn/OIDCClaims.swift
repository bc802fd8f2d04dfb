import Foundation
import JWTKit

/// The claims of an ID or access token OpenKCM reads. The signature is
/// checked by jwt-kit; the claims by ``OIDCAuthenticator`` against its own
/// clock and leeway, so ``verify(using:)`` checks nothing.
struct OIDCClaims: JWTPayload {
    var issuer: String?
    var subject: String?
    var audiences: [String]
    var expires: Date?
    var notBefore: Date?
    var name: String?
    /// Every claim whose value is a string or an array of strings, by name.
    var strings: [String: [String]]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var strings: [String: [String]] = [:]
        for key in container.allKeys.prefix(256) {
            if let value = try? container.decode(String.self, forKey: key) {
                strings[key.stringValue] = [value]
            } else if let values = try? container.decode([String].self, forKey: key) {
                strings[key.stringValue] = values
            }
        }
        func date(_ name: String) -> Date? {
            (try? container.decode(Double.self, forKey: Key(stringValue: name))).map { Date(timeIntervalSince1970: $0) }
        }
        issuer = strings["iss"]?.first
        subject = strings["sub"]?.first
        audiences = strings["aud"] ?? []
        expires = date("exp")
        notBefore = date("nbf")
        name = strings["email"]?.first ?? strings["preferred_username"]?.first ?? subject
        self.strings = strings
    }

    func encode(to encoder: any Encoder) throws {
        // Never encoded: OpenKCM verifies tokens, it does not sign them.
        throw EncodingError.invalidValue(self, .init(codingPath: [], debugDescription: "OIDC claims are read, not written"))
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
