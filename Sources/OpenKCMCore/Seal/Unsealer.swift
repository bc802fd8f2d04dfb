import Crypto
import Synchronization

/// Collects Shamir shares one at a time, from any number of callers, until
/// the threshold is reached; then rebuilds the MasterKey and checks it against
/// the key-check value. A wrong set resets progress: no partial state survives
/// a failed attempt.
public final class Unsealer: Sendable {
    private let configuration: SealConfiguration
    private let collected = Mutex<(shares: [ShamirShare], lastAt: ContinuousClock.Instant)>(([], .now))
    /// Progress older than this is dropped, so abandoned or planted shares do not linger.
    public static let progressLifetime = Duration.seconds(600)

    public init(configuration: SealConfiguration) {
        self.configuration = configuration
    }

    /// How many shares complete the set.
    public var threshold: Int { configuration.threshold }

    /// How many distinct shares are held now.
    public var progress: Int {
        collected.withLock { state in
            ContinuousClock.now - state.lastAt > Self.progressLifetime ? 0 : state.shares.count
        }
    }

    /// Adds one share. Returns the MasterKey once the threshold is reached.
    /// A share that is malformed, repeated or from another split is refused
    /// and the others are kept; a complete set that fails the check value is
    /// refused and progress starts over.
    public func submit(_ share: ShamirShare) throws(ShamirError) -> MasterKey? {
        try collected.withLock { state throws(ShamirError) -> MasterKey? in
            if ContinuousClock.now - state.lastAt > Self.progressLifetime { state.shares.removeAll() }
            guard Int(share.threshold) == configuration.threshold else { throw .mixedShareSets }
            // A share of another split never enters the progress (so one forged share cannot block the genuine ones).
            if let setID = configuration.shareSetID, setID != share.setID { throw .mixedShareSets }
            if let first = state.shares.first, first.setID != share.setID { throw .mixedShareSets }
            guard !state.shares.contains(where: { $0.index == share.index }) else { throw .duplicateShare(index: share.index) }
            state.shares.append(share)
            state.lastAt = .now
            guard state.shares.count >= configuration.threshold else { return nil }
            defer { state.shares.removeAll() }
            return try configuration.masterKey(from: state.shares)
        }
    }

    /// Forgets every share given so far.
    public func reset() {
        collected.withLock { $0.shares.removeAll() }
    }

    /// Unwraps the shares held by shard keystores until `threshold` of them
    /// answer, skipping keystores that fail (one KMS outage must not keep the
    /// server sealed). Throws the last keystore error if too few answer.
    public static func unsealWithShardKeystores(
        _ configuration: SealConfiguration, keystores: any KeystoreResolver
    ) async throws -> MasterKey {
        guard let references = configuration.shardKeystores, let wrapped = configuration.wrappedShares,
            let setID = configuration.shareSetID, references.count == wrapped.count
        else { throw SealError.misconfigured("the seal configuration lists no shard keystores") }
        var shares: [ShamirShare] = []
        var lastError: (any Error)?
        for (offset, (reference, ciphertext)) in zip(references, wrapped).enumerated() where shares.count < configuration.threshold {
            do {
                let values = try await keystores.keystore(for: reference).unwrap(ciphertext, context: KeystoreContext(purpose: .masterKeyShare))
                shares.append(ShamirShare(index: UInt8(offset + 1), threshold: UInt8(configuration.threshold), setID: setID, values: values))
            } catch {
                lastError = error
            }
        }
        guard shares.count >= configuration.threshold else {
            throw lastError ?? ShamirError.tooFewShares(given: shares.count, threshold: configuration.threshold)
        }
        return try MasterKey.combine(shares, checkingWith: configuration.keyCheckValue)
    }

    /// Unwraps the MasterKey with its seal keystore and checks it.
    public static func unsealWithKeystore(_ configuration: SealConfiguration, keystores: any KeystoreResolver) async throws -> MasterKey {
        guard let reference = configuration.sealKeystore, let wrapped = configuration.wrappedMasterKey else {
            throw SealError.misconfigured("the seal configuration names no seal keystore")
        }
        let key = try await keystores.keystore(for: reference).unwrap(wrapped, context: KeystoreContext(purpose: .masterKey))
        let masterKey = try MasterKey(key)
        guard configuration.keyCheckValue.matches(key) else { throw ShamirError.keyCheckFailed }
        return masterKey
    }
}
