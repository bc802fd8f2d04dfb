import Crypto
import Foundation
import OpenKCMCore

/// The Ed25519 key that signs compliance reports: made on first use, kept
/// sealed under the MasterKey at ``storageKey`` (one transaction, so two
/// nodes sharing the store never make two), never returned; only its public
/// half leaves the server.
enum ReportSigningKey {
    static let storageKey = "reports/signing-key"

    static func load(_ barrier: SealedStorage) async throws -> Curve25519.Signing.PrivateKey {
        try await barrier.transaction {
            // The raw bytes are not zeroed here: swift-crypto's key may share their storage (zeroing them
            // corrupted the key in a test), and the key itself lives only for this report.
            if let stored = try await barrier.get(storageKey) {
                return try Curve25519.Signing.PrivateKey(rawRepresentation: stored)
            }
            let key = Curve25519.Signing.PrivateKey()
            try await barrier.put(storageKey, value: key.rawRepresentation)
            return key
        }
    }
}
