public import Logging
public import OpenKCMTransit
public import ServiceLifecycle
import Synchronization

/// Renews the Vault/OpenBao tokens of the `[keystores]` transit connections
/// before they expire: a seal or L1 token that lapses would otherwise seal the
/// server or lock tenants for nothing. Each token is looked up, and renewed
/// once less than two thirds of its life is left; the next look is a quarter
/// of the shortest remaining TTL away (between 1 s and 60 s).
public final class TransitTokenRenewal: Service {
    private let clients = Mutex<[String: TransitClient]>([:])
    private let logger: Logger

    public init(logger: Logger = Logger(label: "openkcm.keystores")) {
        self.logger = logger
    }

    /// Replaces the connections to watch (at start, and after a reload).
    public func watch(_ connections: [String: TransitClient]) {
        clients.withLock { $0 = connections }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let wait = await self.renewDue()
                try? await Task.sleep(for: wait)
            }
        }
    }

    /// One pass: renews what is due; returns how long to wait before the next.
    public func renewDue() async -> Duration {
        var next = 60
        for (name, client) in clients.withLock({ $0 }) {
            do {
                var lease = try await client.lookupSelf()
                if lease.wantsRenewal {
                    lease.ttl = try await client.renewSelf()
                    logger.info("keystore token renewed", metadata: ["keystore": .string(name), "ttl_seconds": .stringConvertible(lease.ttl)])
                }
                if lease.renewable && lease.ttl > 0 { next = min(next, max(lease.ttl / 4, 1)) }
            } catch {
                logger.error("keystore token lookup or renewal failed", metadata: ["keystore": .string(name), "reason": .string("\(error)")])
                next = min(next, 5)
            }
        }
        return .seconds(next)
    }
}
