public import Foundation
import Synchronization

/// A ``Storage`` held in process memory: for tests and the throwaway dev server.
public final class InMemoryStorage: Storage {
    private let records = Mutex<[String: Data]>([:])

    public init() {}

    public func get(_ key: String) async throws -> Data? {
        try StoragePath.validate(key)
        return records.withLock { $0[key] }
    }

    public func put(_ key: String, value: Data) async throws {
        try StoragePath.validate(key)
        records.withLock { $0[key] = value }
    }

    public func delete(_ key: String) async throws {
        try StoragePath.validate(key)
        _ = records.withLock { $0.removeValue(forKey: key) }
    }

    public func list(prefix: String) async throws -> [String] {
        records.withLock { records in
            records.keys.filter { $0.hasPrefix(prefix) }
        }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    public func write(_ mutations: [StorageMutation], if conditions: [StorageCondition]) async throws {
        for mutation in mutations { try StoragePath.validate(mutation.key) }
        for condition in conditions { try StoragePath.validate(condition.key) }
        try records.withLock { records throws(StorageError) in
            if let failed = conditions.first(where: { !$0.holds(for: records[$0.key]) }) {
                throw .conditionFailed(key: failed.key)
            }
            for mutation in mutations {
                switch mutation {
                case .put(let key, let value): records[key] = value
                case .delete(let key): records.removeValue(forKey: key)
                }
            }
        }
    }

    public func snapshot() async throws -> [StorageRecord] {
        records.withLock { records in
            records.map { StorageRecord(key: $0.key, value: $0.value) }
        }.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    public func load(_ loaded: [StorageRecord]) async throws {
        for record in loaded { try StoragePath.validate(record.key) }
        try records.withLock { records throws(StorageError) in
            guard records.isEmpty else { throw .notEmpty }
            for record in loaded { records[record.key] = record.value }
        }
    }
}
