import Foundation
public import Logging
public import OpenKCMCore
public import ServiceLifecycle

/// Key rotation on autopilot: every ``interval`` it wraps each tenant's L2
/// again when the customer rotated their L1 at the provider (a newer transit
/// key version), rotates each tenant's L2.1 and each service's L3 whose
/// current version is due under its policy (the service's, else the
/// tenant's, else the platform's `[rotation]`), and audits each with what
/// made it due.
///
/// On a store shared with other nodes it runs on one node at a time, chosen
/// by the store; and since each check reads the ring again in the tenant's
/// transaction, even two schedules on one store rotate a due key once.
/// A locked tenant (its L1 unlinked or disabled) waits: nothing rotates under
/// a kill switch.
public struct RotationScheduler: Service {
    let operations: Operations
    let interval: Duration
    let leadership: (any StorageLeadership)?
    let logger: Logger
    static let takeOverRetry = Duration.seconds(5)

    public init(
        operations: Operations, interval: Duration = .seconds(60), leadership: (any StorageLeadership)? = nil,
        logger: Logger = Logger(label: "openkcm.rotation")
    ) {
        self.operations = operations
        self.interval = interval
        self.leadership = leadership
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await ClusterDuty(name: "key-rotation", core: operations.core, leadership: leadership, takeOverRetry: Self.takeOverRetry, logger: logger)
                .runEvery(interval) { await checkOnce() }
        }
    }

    /// One pass over every tenant and service, at the core's clock. Returns the rotations it made.
    @discardableResult
    public func checkOnce() async -> [ScheduledRotation] {
        guard let unsealed = try? operations.core.unsealed() else { return [] }
        let defaults = operations.core.rotationDefaults
        guard let tenants = try? await unsealed.keyChain.tenants() else { return [] }
        var made: [ScheduledRotation] = []
        for tenant in tenants {
            guard !Task.isCancelled else { break }
            // The customer rotated their L1 at the provider: the L2 follows to the newest version.
            do {
                if let version = try await unsealed.keyChain.rewrapRootIfL1Rotated(tenant) {
                    logger.info("L1 rotated at the provider; L2 wrapped again", metadata: ["tenant": "\(tenant)", "version": "\(version)"])
                    await operations.auditScheduled(OperationKind.l1Rewrap.rawValue, tenant: tenant, service: nil, key: "L1 version \(version)", error: nil)
                }
            } catch {
                if case KeyChainError.tenantLocked = error {} else {
                    await operations.auditScheduled(OperationKind.l1Rewrap.rawValue, tenant: tenant, service: nil, key: "L1 version check", error: error)
                }
            }
            await attempt(tenant, nil) {
                try await unsealed.keyChain.rotateTenantKeyIfDue(tenant, defaults: defaults, now: operations.core.now())
            }.map { made.append($0) }
            await expire(tenant, nil) {
                try await unsealed.keyChain.deactivateExpiredTenantKeys(tenant, defaults: defaults, now: operations.core.now())
            }
            for service in (try? await unsealed.keyChain.services(of: tenant)) ?? [] {
                await attempt(tenant, service) {
                    try await unsealed.keyChain.rotateServiceKeyIfDue(service, tenant: tenant, defaults: defaults, now: operations.core.now())
                }.map { made.append($0) }
                await expire(tenant, service) {
                    try await unsealed.keyChain.deactivateExpiredServiceKeys(service, tenant: tenant, defaults: defaults, now: operations.core.now())
                }
            }
        }
        return made
    }

    /// Deactivates what expired (past its period, no longer current), audited per key as a state change
    /// (`tenant-key.deactivate` / `service-key.deactivate`, the versions in the key); failures wait for the next pass.
    private func expire(_ tenant: TenantID, _ service: ServiceID?, _ deactivate: () async throws -> [UInt32]) async {
        let (layer, operation) = service == nil ? ("L2.1", "tenant-key.deactivate") : ("L3", "service-key.deactivate")
        do {
            let versions = try await deactivate()
            guard !versions.isEmpty else { return }
            let key = "\(layer) " + versions.map { "v\($0)" }.joined(separator: ", ") + " expired: deactivated (unwrap only)"
            await operations.auditScheduled(operation, tenant: tenant, service: service, key: key, error: nil)
        } catch {
            if let keyChainError = error as? KeyChainError {
                switch keyChainError {
                case .tenantLocked, .tenantNotFound, .serviceNotFound: return
                default: break
                }
            }
            await operations.auditScheduled(operation, tenant: tenant, service: service, key: "\(layer) expiry", error: error)
        }
    }

    /// Runs one check; audits the rotation it made, or its failure (the next pass tries again).
    private func attempt(_ tenant: TenantID, _ service: ServiceID?, _ check: () async throws -> ScheduledRotation?) async -> ScheduledRotation? {
        let operation = service == nil ? OperationKind.tenantKeyRotate.rawValue : OperationKind.serviceKeyRotate.rawValue
        do {
            guard let rotation = try await check() else { return nil }
            logger.info("scheduled rotation", metadata: ["tenant": "\(tenant)", "service": "\(service.map { "\($0)" } ?? "-")", "key": "\(rotation.auditKey)"])
            await operations.auditScheduled(operation, tenant: tenant, service: service, key: rotation.auditKey, error: nil)
            return rotation
        } catch {
            // A tenant that became locked or was destroyed between the listing and the check is no failure.
            if let keyChainError = error as? KeyChainError {
                switch keyChainError {
                case .tenantLocked, .tenantNotFound, .serviceNotFound: return nil
                default: break
                }
            }
            logger.warning("scheduled rotation failed", metadata: ["tenant": "\(tenant)", "error": "\(error)"])
            await operations.auditScheduled(operation, tenant: tenant, service: service, key: "scheduled", error: error)
            return nil
        }
    }
}
