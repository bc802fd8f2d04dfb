public import Foundation

/// A shared store's reads, bounded: on a node whose store is shared with
/// other nodes, a read that the store does not answer within `readDeadline`
/// (a database behind a broken network) fails with
/// ``StoreFreshnessError/unconfirmed(reason:)`` instead of holding the
/// request, so the node refuses within its freshness bound rather than hang
/// or serve from memory. Writes keep the store's own timeouts: their outcome
/// matters more than their speed.
public final class DeadlineStorage: Storage {
    private let base: any Storage
    private let readDeadline: Duration

    public init(_ base: any Storage, readDeadline: Duration) {
        self.base = base
        self.readDeadline = readDeadline
    }

    public func get(_ key: String) async throws -> Data? {
        let base = base
        return try await bounded { try await base.get(key) }
    }

    public func list(prefix: String) async throws -> [String] {
        let base = base
        return try await bounded { try await base.list(prefix: prefix) }
    }

    public func put(_ key: String, value: Data) async throws {
        try await base.put(key, value: value)
    }

    public func delete(_ key: String) async throws {
        try await base.delete(key)
    }

    public func write(_ mutations: [StorageMutation], if conditions: [StorageCondition]) async throws {
        try await base.write(mutations, if: conditions)
    }

    public func purgeDeleted() async throws {
        try await base.purgeDeleted()
    }

    /// Not bounded: a backup of the whole store is not a request's read.
    public func snapshot() async throws -> [StorageRecord] {
        try await base.snapshot()
    }

    public func load(_ records: [StorageRecord]) async throws {
        try await base.load(records)
    }

    private func bounded<Value: Sendable>(_ read: @escaping @Sendable () async throws -> Value) async throws -> Value {
        do {
            return try await Deadline.run(within: readDeadline, read)
        } catch is DeadlineExceeded {
            throw StoreFreshnessError.unconfirmed(reason: "the store did not answer within \(readDeadline)")
        }
    }
}
