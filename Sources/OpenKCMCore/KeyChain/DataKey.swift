public import Crypto
public import Foundation

/// A fresh L4 data key: the plaintext key for the caller to use and drop,
/// and its wrapped blob to store beside the data.
public struct DataKey: Sendable {
    /// The plaintext data key. Returning it is this API's contract.
    public let key: SymmetricKey
    /// The key wrapped by the service's current L3 version.
    public let wrapped: Data
    /// The L3 version that wrapped it.
    public let serviceKeyVersion: UInt32
}
