import Foundation
import NIOSSL
import OpenKCMCore
import OpenKCMPKI
import Synchronization
import X509

/// The CAs KMIP client certificates may chain to besides the configured
/// `client_ca_file`: the server's own client CA and the trusted external CAs.
/// They live in sealed storage, so they are known only while unsealed; the
/// listener reloads them on a change made here and every few seconds (a
/// change made on another replica).
public final class KMIPClientTrust: Sendable {
    /// One trusted external CA, parsed, and its DER as stored.
    struct Authority: Sendable {
        let record: KMIPTrustedAuthority
        let certificate: Certificate
        var der: [UInt8] { Array(record.certificate) }
    }

    struct Snapshot: Sendable {
        /// The server's own client CAs (normally one).
        var clientCAs: [Certificate]
        var authorities: [Authority]

        /// The CA certificates to hand to TLS, in a stable order.
        var roots: [[UInt8]] {
            (clientCAs.map(\.derBytes) + authorities.map(\.der)).sorted { $0.lexicographicallyPrecedes($1) }
        }

        /// Every CA a client chain may end at.
        var anchors: [Certificate] { clientCAs + authorities.map(\.certificate) }

        /// The trusted external CA a verified chain ends at, if it is one.
        func authority(anchoring root: Certificate) -> Authority? {
            authorities.first { $0.certificate == root }
        }
    }

    /// The installed snapshot, and the number of the reload that read it.
    private let current = Mutex<(snapshot: Snapshot, reload: Int)>((Snapshot(clientCAs: [], authorities: []), 0))
    private let reloads = Atomic<Int>(0)
    private let changed: AsyncStream<Void>.Continuation
    /// Yields when this server changed the set; the listener reloads at once.
    let changes: AsyncStream<Void>

    public init() {
        (changes, changed) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    var snapshot: Snapshot { current.withLock { $0.snapshot } }

    func signalChange() {
        changed.yield()
    }

    /// Reads the CAs from sealed storage; a record that does not parse is skipped, not fatal.
    /// Reloads may overlap: a snapshot is installed only if no reload that
    /// started later has installed one, so a removal's own reload is never
    /// overwritten by an older one still reading what was removed.
    @discardableResult
    func reload(from storage: SealedStorage) async throws -> Snapshot {
        let number = reloads.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
        var snapshot = Snapshot(clientCAs: [], authorities: [])
        for key in try await storage.list(prefix: KMIPClientCARecord.storagePrefix) {
            guard let data = try await storage.get(key), let record = try? RecordCoder.decode(KMIPClientCARecord.self, from: data, at: key),
                  let certificate = try? Certificate.parse(derEncoded: Array(record.certificate)) else { continue }
            snapshot.clientCAs.append(certificate)
        }
        for key in try await storage.list(prefix: KMIPTrustedAuthority.storagePrefix) {
            guard let data = try await storage.get(key), let record = try? RecordCoder.decode(KMIPTrustedAuthority.self, from: data, at: key),
                  let certificate = try? Certificate.parse(derEncoded: Array(record.certificate)) else { continue }
            snapshot.authorities.append(Authority(record: record, certificate: certificate))
        }
        return current.withLock { current in
            if number > current.reload { current = (snapshot, number) }
            return current.snapshot
        }
    }
}
