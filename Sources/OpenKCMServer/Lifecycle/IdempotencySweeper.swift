public import Foundation
public import Logging
import OpenKCMCore
public import ServiceLifecycle

/// Deletes the records ``IdempotencyMiddleware`` keeps once they are older
/// than its lifetime (24 h), every 10 minutes while unsealed, so the store
/// does not grow with every change ever sent with a key. Replicas each sweep;
/// a record two of them delete at once is deleted once.
public struct IdempotencySweeper: Service {
    let core: ServerCore
    let interval: Duration
    let logger: Logger

    public init(core: ServerCore, interval: Duration = .seconds(600), logger: Logger = Logger(label: "openkcm.idempotency")) {
        self.core = core
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if !Task.isCancelled { await sweep() }
            }
        }
    }

    /// One pass; returns how many records went.
    @discardableResult
    public func sweep(now: Date = Date()) async -> Int {
        guard !core.status.sealed else { return 0 }
        do {
            let barrier = core.barrier
            // One transaction: a record another sending renewed meanwhile (on another replica) is not deleted.
            return try await barrier.transaction {
                var expired: [StorageMutation] = []
                for path in try await barrier.list(prefix: IdempotencyMiddleware.recordPrefix) {
                    guard let stored = try await barrier.get(path),
                          let record = try? JSONDecoder.idempotency.decode(IdempotencyRecord.self, from: stored),
                          now.timeIntervalSince(record.createdAt) < IdempotencyMiddleware.lifetime
                    else {
                        expired.append(.delete(key: path))
                        continue
                    }
                }
                try await barrier.write(expired)
                return expired.count
            }
        } catch {
            logger.warning("idempotency records not swept", metadata: ["error": .string("\(error)")])
            return 0
        }
    }
}
