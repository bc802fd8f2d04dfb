public import Foundation

/// One stored key and its value as the store holds it (for the barrier's
/// records: ciphertext), as ``Storage/snapshot()`` reads and
/// ``Storage/load(_:)`` writes them: backups and store migrations copy these
/// bytes unchanged.
public struct StorageRecord: Sendable, Hashable {
    public let key: String
    public let value: Data

    public init(key: String, value: Data) {
        self.key = key
        self.value = value
    }
}
