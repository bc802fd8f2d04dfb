import Foundation
public import Logging
import OpenKCMCore
public import ServiceLifecycle

/// The kill switch's watch: every ``interval`` it asks each linked tenant's
/// L1 for its status, locks tenants whose key the customer disabled or
/// deleted (or that stayed unreachable past the grace period), unlocks them
/// when the key is back, and audits every lock and unlock.
public struct L1StatusMonitor: Service {
    let operations: Operations
    let interval: Duration
    let logger: Logger

    public init(operations: Operations, interval: Duration = .seconds(5), logger: Logger = Logger(label: "openkcm.l1-monitor")) {
        self.operations = operations
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await checkOnce()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// One pass over every tenant, a few providers at a time.
    public func checkOnce() async {
        guard let unsealed = try? operations.core.unsealed(), let tenants = try? await unsealed.keyChain.tenants() else { return }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for tenant in tenants {
                if running >= 8 {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask {
                    guard let change = try? await unsealed.keyChain.refreshL1Status(tenant) else { return }
                    switch change {
                    case .locked(let reason):
                        logger.warning("tenant locked", metadata: ["tenant": .string(tenant.rawValue), "reason": .string(reason)])
                        await operations.auditSystemEvent("l1.lock", tenant: tenant, errorCode: "keychain.tenant_locked")
                    case .unlocked:
                        logger.info("tenant unlocked", metadata: ["tenant": .string(tenant.rawValue)])
                        await operations.auditSystemEvent("l1.unlock", tenant: tenant, errorCode: nil)
                    }
                }
            }
        }
    }
}
