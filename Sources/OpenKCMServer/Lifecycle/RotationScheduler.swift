import Foundation
public import Logging
public import OpenKCMCore
public import ServiceLifecycle

/// Key rotation on autopilot: every ``interval`` it wraps each tenant's L2
/// again when the customer rotated their L1 at the provider (a newer transit
/// key version), replaces each tenant's L2 whose L2 period has passed (its
/// policy's, else the platform's), rotates each tenant's L2.1 and each service's L3 whose
/// current version is due under its policy (the service's, else the
/// tenant's, else the platform's `[rotation]`), deactivates the versions
/// past their period that are no longer current, and audits each change
/// (announced before it is made) with what made it due.
///
/// On a store shared with other nodes it runs on one node at a time, chosen
/// by the store; and since each change checks again in the tenant's
/// transaction, even two schedules on one store rotate a due key once.
/// A locked tenant (in the store or in this node's memory) waits: nothing
/// changes under a kill switch.
public struct RotationScheduler: Service {
    let operations: Operations
    let interval: Duration
    let leadership: (any StorageLeadership)?
    let logger: Logger
    let kmipSweeps = KMIPObjectSweeps()
    static let takeOverRetry = Duration.seconds(5)
    /// L2 rotations (and, apart, L2 rewraps after an L1 rotation) one pass makes at most: each calls the customer's KMS.
    static let rootRotationsPerPass = 10

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
    ///
    /// Each change is looked for first without a transaction (a pass with
    /// nothing due opens none), then announced in the audit log (synced,
    /// outcome `attempted`) before it is made, so a change the audit log
    /// cannot take never starts; the change itself checks again in the
    /// tenant's transaction. A regional core that has not heard from the
    /// governance plane changes nothing.
    @discardableResult
    public func checkOnce() async -> [ScheduledRotation] {
        guard let unsealed = try? operations.core.unsealed(), unsealed.keyChain.regionGateReason == nil else { return [] }
        let keyChain = unsealed.keyChain
        let defaults = operations.core.rotationDefaults
        guard let tenants = try? await keyChain.tenants() else { return [] }
        var made: [ScheduledRotation] = []
        // L2 rotations call the customer's KMS three times each: at most this many a pass, so tenants made
        // before the L2 schedule existed (all due at once) are spread over passes.
        var rootRotations = 0
        var l1Rewraps = 0
        for tenant in tenants {
            guard !Task.isCancelled, let ring = try? await keyChain.tenantKeyRing(tenant), (try? keyChain.refuseIfLockedInMemory(tenant)) != nil,
                  ring.l1UnlinkedAt == nil, ring.l1ProviderLock == nil
            else { continue }
            let now = operations.core.now()
            // The customer rotated their L1 at the provider: the L2 follows to the newest version.
            if l1Rewraps < Self.rootRotationsPerPass, let latest = try? await keyChain.l1VersionBehind(tenant) {
                l1Rewraps += 1
                _ = await change(OperationKind.l1Rewrap.rawValue, tenant, nil, intent: "L1 version \(latest)") {
                    try await keyChain.rewrapRoot(tenant)
                    return "L1 version \(latest)"
                }
            }
            // The L2 itself, every L2 period: a new root, every L2.1 version wrapped again under it.
            if let due = keyChain.rootDue(ring, defaults: defaults)?.dueAt, due <= now, rootRotations < Self.rootRotationsPerPass {
                rootRotations += 1
                await change(OperationKind.tenantRootRotate.rawValue, tenant, nil, intent: "L2 due") {
                    try await keyChain.rotateRootIfDue(tenant, defaults: defaults, now: now).map { made.append($0); return $0.auditKey }
                }
            }
            if let due = keyChain.tenantKeyDue(ring, defaults: defaults).dueAt, due <= now {
                await change(OperationKind.tenantKeyRotate.rawValue, tenant, nil, intent: "L2.1 due") {
                    try await keyChain.rotateTenantKeyIfDue(tenant, defaults: defaults, now: now).map { made.append($0); return $0.auditKey }
                }
            }
            let tenantRing = (try? await keyChain.tenantKeyRing(tenant)) ?? ring
            if !keyChain.expiringTenantKeys(tenantRing, defaults: defaults, now: now).isEmpty {
                await change("tenant-key.deactivate", tenant, nil, intent: "L2.1 expiry") {
                    Self.expiryKey("L2.1", try await keyChain.deactivateExpiredTenantKeys(tenant, defaults: defaults, now: now))
                }
            }
            // Replaced L2.1 versions past their decrypt-only window retire: their L3 versions move to the current one, then they stop opening.
            let windowRing = (try? await keyChain.tenantKeyRing(tenant)) ?? tenantRing
            var serviceRings: [ServiceKeyRing] = []
            for service in (try? await keyChain.services(of: tenant)) ?? [] {
                if let serviceRing = try? await keyChain.serviceKeyRing(service, tenant: tenant) { serviceRings.append(serviceRing) }
            }
            if keyChain.tenantWindowMayClose(windowRing, services: serviceRings, defaults: defaults, now: now) {
                await change(OperationKind.tenantKeyMinimumVersion.rawValue, tenant, nil, intent: "L2.1 decrypt-only window") {
                    try await keyChain.closeTenantKeyWindow(tenant, defaults: defaults, now: now).map {
                        "L2.1 minimum decryption version \($0.from) -> \($0.to): past the decrypt-only window, \($0.rewrapped) L3 versions moved to the current one"
                    }
                }
            }
            for service in (try? await keyChain.services(of: tenant)) ?? [] {
                guard let serviceRing = try? await keyChain.serviceKeyRing(service, tenant: tenant) else { continue }
                if let due = keyChain.serviceKeyDue(serviceRing, tenant: tenantRing, defaults: defaults).dueAt, due <= now {
                    await change(OperationKind.serviceKeyRotate.rawValue, tenant, service, intent: "L3 due") {
                        try await keyChain.rotateServiceKeyIfDue(service, tenant: tenant, defaults: defaults, now: now).map { made.append($0); return $0.auditKey }
                    }
                }
                let current = (try? await keyChain.serviceKeyRing(service, tenant: tenant)) ?? serviceRing
                await moveKMIPObjects(tenant, service, current, unsealed)
                if !keyChain.expiringServiceKeys(current, tenant: tenantRing, defaults: defaults, now: now).isEmpty {
                    await change("service-key.deactivate", tenant, service, intent: "L3 expiry") {
                        Self.expiryKey("L3", try await keyChain.deactivateExpiredServiceKeys(service, tenant: tenant, defaults: defaults, now: now))
                    }
                }
            }
        }
        return made
    }

    /// KMIP objects still under a compromised L3 version that opens: moved to
    /// the current version (the compromise moves them at once; this finishes
    /// a move cut short, or made where the objects could not be reached).
    private func moveKMIPObjects(_ tenant: TenantID, _ service: ServiceID, _ ring: ServiceKeyRing, _ unsealed: ServerCore.Unsealed) async {
        let versions = Set(ring.serviceKeys.versions.filter { $0.state == .compromised && $0.stillOpens == true }.map(\.version))
        guard !versions.isEmpty, operations.core.plane != .governance else { return }
        let memo = "\(tenant)/\(service)/" + versions.sorted().map(String.init).joined(separator: ",")
        guard !kmipSweeps.contains(memo) else { return }
        guard let pending = try? await operations.kmipObjects(tenant: tenant, service: service, under: versions, unsealed: unsealed) else { return }
        let named = versions.sorted().map { "v\($0)" }.joined(separator: ", ")
        if pending > 0 {
            let moved = await change("kmip.object-rewrap", tenant, service, intent: "\(pending) KMIP objects under compromised L3 \(named)") {
                let count = try await operations.rewrapKMIPObjects(tenant: tenant, service: service, versions: versions, unsealed: unsealed)
                return count == 0 ? nil : "\(count) KMIP objects moved off compromised L3 \(named)"
            }
            guard moved else { return }
        }
        kmipSweeps.insert(memo)
    }

    static func expiryKey(_ layer: String, _ versions: [UInt32]) -> String? {
        versions.isEmpty ? nil : "\(layer) " + versions.map { "v\($0)" }.joined(separator: ", ") + " expired: deactivated (unwrap only)"
    }

    /// One change: its intent audited (synced) first, then made; its outcome audited under the same correlation id.
    /// `act` returns the outcome's audit key, or nil when it found nothing to do after all (another node did it).
    @discardableResult
    private func change(_ operation: String, _ tenant: TenantID, _ service: ServiceID?, intent: String, _ act: () async throws -> String?) async -> Bool {
        let correlationID = RandomUUID.make()
        do {
            try await operations.recordScheduledIntent(operation, tenant: tenant, service: service, key: intent, correlationID: correlationID)
        } catch {
            logger.error("the audit log refused the schedule's intent; nothing changed", metadata: ["tenant": "\(tenant)", "error": "\(error)"])
            return false
        }
        do {
            guard let key = try await act() else {
                await operations.auditScheduled(operation, tenant: tenant, service: service, key: "\(intent): nothing left to do", error: nil,
                                                correlationID: correlationID)
                return false
            }
            logger.info("scheduled change", metadata: ["operation": "\(operation)", "tenant": "\(tenant)", "key": "\(key)"])
            await operations.auditScheduled(operation, tenant: tenant, service: service, key: key, error: nil, correlationID: correlationID)
            return true
        } catch {
            logger.warning("scheduled change failed", metadata: ["operation": "\(operation)", "tenant": "\(tenant)", "error": "\(error)"])
            await operations.auditScheduled(operation, tenant: tenant, service: service, key: intent, error: error, correlationID: correlationID)
            return false
        }
    }
}
