public import Foundation
public import OpenKCMCore
import Synchronization

/// A store whose connection a test can cut: while cut, every call fails
/// (`.failing`) or never answers until the connection is back (`.hanging`),
/// as a database behind a broken network does.
public final class CuttableStorage: Storage {
    public enum Cut: Sendable { case failing, hanging }

    private let base: any Storage
    private let state = Mutex<(cut: Cut?, waiting: [CheckedContinuation<Void, Never>])>((nil, []))

    public init(_ base: any Storage) {
        self.base = base
    }

    public func cut(_ how: Cut) {
        state.withLock { $0.cut = how }
    }

    public func restore() {
        let waiting = state.withLock { state in
            state.cut = nil
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    private func pass() async throws {
        switch state.withLock({ $0.cut }) {
        case nil: return
        case .failing: throw StorageError.backendFailure("the connection was cut")
        case .hanging:
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    guard state.cut != nil else { return true }
                    state.waiting.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    public func get(_ key: String) async throws -> Data? {
        try await pass()
        return try await base.get(key)
    }

    public func put(_ key: String, value: Data) async throws {
        try await pass()
        try await base.put(key, value: value)
    }

    public func delete(_ key: String) async throws {
        try await pass()
        try await base.delete(key)
    }

    public func list(prefix: String) async throws -> [String] {
        try await pass()
        return try await base.list(prefix: prefix)
    }

    public func write(_ mutations: [StorageMutation], if conditions: [StorageCondition]) async throws {
        try await pass()
        try await base.write(mutations, if: conditions)
    }

    public func snapshot() async throws -> [StorageRecord] {
        try await pass()
        return try await base.snapshot()
    }

    public func load(_ records: [StorageRecord]) async throws {
        try await pass()
        try await base.load(records)
    }
}
