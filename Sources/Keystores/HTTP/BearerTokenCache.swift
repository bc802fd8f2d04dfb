public import Foundation
import Synchronization

/// An OAuth 2.0 access token, fetched when first needed and again five
/// minutes before it expires. Concurrent callers share one fetch at a time.
public final class BearerTokenCache: Sendable {
    public struct Token: Sendable {
        public var value: String
        public var expires: Date

        public init(value: String, expires: Date) {
            self.value = value
            self.expires = expires
        }
    }

    private let fetch: @Sendable () async throws -> Token
    private let current = Mutex<Token?>(nil)

    /// - Parameter fetch: asks the identity provider for a new token.
    public init(fetch: @escaping @Sendable () async throws -> Token) {
        self.fetch = fetch
    }

    /// A token with at least five minutes left.
    public func token() async throws -> String {
        if let token = current.withLock({ $0 }), token.expires.timeIntervalSinceNow > 300 { return token.value }
        let token = try await fetch()
        current.withLock { $0 = token }
        return token.value
    }

    /// Forgets the token, so the next call fetches one (after a 401, or a reload).
    public func invalidate() {
        current.withLock { $0 = nil }
    }
}
