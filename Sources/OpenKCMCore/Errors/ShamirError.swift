/// Why a split or a reconstruction was refused.
public enum ShamirError: OpenKCMError, Equatable {
    /// Threshold or share count outside 1 < M <= N <= 255.
    case invalidParameters(shares: Int, threshold: Int)
    /// The secret length is outside what shares can carry.
    case invalidSecretLength(Int)
    /// Fewer shares than the threshold were given.
    case tooFewShares(given: Int, threshold: Int)
    /// Two shares carry the same x coordinate.
    case duplicateShare(index: UInt8)
    /// A share's x coordinate is 0, which would be the secret itself.
    case shareIndexOutOfRange(index: UInt8)
    /// A share's bytes fail its checksum or its layout: mistyped or damaged.
    case corruptedShare(reason: String)
    /// Shares from different splits (set ids, thresholds or lengths differ).
    case mixedShareSets
    /// The shares combined to a secret that does not match the key-check value.
    case keyCheckFailed

    public var code: String {
        switch self {
        case .invalidParameters: "shamir.invalid_parameters"
        case .invalidSecretLength: "shamir.invalid_secret_length"
        case .tooFewShares: "shamir.too_few_shares"
        case .duplicateShare: "shamir.duplicate_share"
        case .shareIndexOutOfRange: "shamir.share_index_out_of_range"
        case .corruptedShare: "shamir.corrupted_share"
        case .mixedShareSets: "shamir.mixed_share_sets"
        case .keyCheckFailed: "shamir.key_check_failed"
        }
    }

    public var description: String {
        switch self {
        case .invalidParameters(let shares, let threshold):
            "invalid split: \(shares) shares with threshold \(threshold); need 1 < threshold <= shares <= 255"
        case .invalidSecretLength(let length):
            "a secret of \(length) bytes cannot be split; 16 to 64 bytes are supported"
        case .tooFewShares(let given, let threshold):
            "\(given) distinct share(s) given, \(threshold) needed"
        case .duplicateShare(let index):
            "share \(index) was given more than once"
        case .shareIndexOutOfRange(let index):
            "share index \(index) is out of range 1...255"
        case .corruptedShare(let reason):
            "share is corrupted: \(reason)"
        case .mixedShareSets:
            "shares come from different splits"
        case .keyCheckFailed:
            "the shares do not reconstruct the expected key (key-check value mismatch)"
        }
    }
}
