public import Crypto

/// The 256-bit key that protects everything the server stores.
///
/// It never touches storage in the clear: it is rebuilt from Shamir shares or
/// unwrapped by a seal keystore, and kept only in memory while unsealed.
public struct MasterKey: Sendable {
    /// The key itself, in zeroing storage.
    package let key: SymmetricKey

    /// Wraps existing key bytes (from shares or a seal keystore).
    public init(_ key: SymmetricKey) throws(BarrierError) {
        guard key.bitCount == 256 else { throw .invalidMasterKey(bitCount: key.bitCount) }
        self.key = key
    }

    private init(checked key: SymmetricKey) {
        self.key = key
    }

    /// A fresh random MasterKey.
    public static func generate() -> MasterKey {
        MasterKey(checked: SymmetricKey(size: .bits256))
    }

    /// The check value kept at init so a wrong reconstruction is never used.
    public var keyCheckValue: KeyCheckValue { KeyCheckValue(for: key) }

    /// Splits the MasterKey into Shamir shares.
    public func split(shares: Int, threshold: Int) throws(ShamirError) -> [ShamirShare] {
        try ShamirSplitter.split(key, shares: shares, threshold: threshold)
    }

    /// Rebuilds a MasterKey from shares, refusing a result that fails `check`.
    public static func combine(_ shares: [ShamirShare], checkingWith check: KeyCheckValue) throws(ShamirError) -> MasterKey {
        let key = try ShamirSplitter.combine(shares, checkingWith: check)
        guard key.bitCount == 256 else { throw .invalidSecretLength(key.bitCount / 8) }
        return MasterKey(checked: key)
    }
}
