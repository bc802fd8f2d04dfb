import Foundation
import OpenKCMCore

/// Every operation the server offers, one file each in this folder, called
/// alike by the REST routes and (later) the KMIP handlers. Each one goes
/// through ``perform(_:caller:tenant:service:key:sync:_:)``, which authorizes,
/// runs, and audits it: allowed or refused, one entry, and no answer unless
/// that entry is written.
public struct Operations: Sendable {
    public let core: ServerCore

    public init(core: ServerCore) {
        self.core = core
    }

    /// Authorizes `caller` for `operation`, runs `body`, and appends the audit
    /// entry before returning. A refused or failed operation is audited too.
    /// If the audit entry of a success cannot be written, the caller gets the
    /// audit error instead of the result.
    /// - Parameter sync: fsync the entry before answering (key-state changes).
    func perform<Result: Sendable>(
        _ operation: OperationKind,
        caller: Caller,
        tenant: TenantID? = nil,
        service: ServiceID? = nil,
        key: String? = nil,
        region: RegionID? = nil,
        sync: Bool = false,
        _ body: (ServerCore.Unsealed) async throws -> Result
    ) async throws -> Result {
        let result: Result
        do {
            let unsealed = try admit(operation, caller: caller, tenant: tenant, service: service, region: region)
            if sync {
                // Fail closed before anything changes: a state change that cannot be audited never starts.
                var intent = auditEntry(operation.rawValue, caller: caller, tenant: tenant, service: service, key: key, error: nil)
                intent.outcome = .attempted
                try await record(intent, caller: caller, sync: true)
            }
            caller.started.set()
            result = try await body(unsealed)
        } catch let auditError as AuditLogError {
            throw auditError
        } catch {
            try await recordRefusal(operation, caller: caller, tenant: tenant, service: service, key: key, error: error, sync: sync)
            throw error
        }
        try await record(auditEntry(operation.rawValue, caller: caller, tenant: tenant, service: service, key: key, error: nil), caller: caller, sync: sync)
        return result
    }

    /// Checks access for a whole request (a batch) before its items run;
    /// only a refusal is audited here, each item is audited on its own.
    func authorize(_ operation: OperationKind, caller: Caller, tenant: TenantID?, service: ServiceID?, key: String? = nil, region: RegionID? = nil) async throws {
        do {
            _ = try admit(operation, caller: caller, tenant: tenant, service: service, region: region)
        } catch {
            try await recordRefusal(operation, caller: caller, tenant: tenant, service: service, key: key, error: error, sync: false)
            throw error
        }
    }

    /// The unsealed core, if the caller may perform `operation` on this scope.
    func admit(_ operation: OperationKind, caller: Caller, tenant: TenantID?, service: ServiceID?, region: RegionID? = nil) throws -> ServerCore.Unsealed {
        let unsealed = try core.unsealed()
        guard let identity = caller.identity else { throw caller.missingIdentity }
        try AccessPolicy.authorize(identity, operation, tenant: tenant, service: service, region: region)
        return unsealed
    }

    /// Writes an entry, or adds it to the caller's batch, which the batch
    /// route writes as one before answering.
    func record(_ entry: AuditEntry, caller: Caller, sync: Bool) async throws {
        caller.audited.set()
        if let batch = caller.auditBatch {
            batch.add(entry)
        } else {
            try await core.auditLog.append(entry, sync: sync)
            core.usage.record(CollectionOfOne(entry))
        }
    }

    /// Records a refused or failed operation. While sealed the log holds it
    /// for the next unseal; any other audit failure replaces the caller's error.
    func recordRefusal(
        _ operation: OperationKind, caller: Caller, tenant: TenantID?, service: ServiceID?, key: String?, error: any Error, sync: Bool
    ) async throws {
        let entry = auditEntry(operation.rawValue, caller: caller, tenant: tenant, service: service, key: key, error: error)
        do {
            try await record(entry, caller: caller, sync: sync)
        } catch let auditError as AuditLogError where auditError != .sealed {
            throw auditError
        } catch {}
    }

    /// Adds a refused entry for a batch item that failed before its operation ran.
    func auditItemRefusal(_ operation: OperationKind, caller: Caller, tenant: TenantID, service: ServiceID, error: any Error) {
        caller.auditBatch?.add(auditEntry(operation.rawValue, caller: caller, tenant: tenant, service: service, key: nil, error: error))
    }

    /// Audits something the server did by itself (the L1 monitor locking or
    /// unlocking a tenant), fsynced: these are key-state changes.
    func auditSystemEvent(_ operation: String, tenant: TenantID?, errorCode: String?) async {
        var entry = auditEntry(operation, caller: Caller(identity: nil, correlationID: RandomUUID.make()), tenant: tenant,
                               service: nil, key: nil, error: nil)
        entry.identity = "openkcm"
        entry.errorCode = errorCode
        try? await core.auditLog.append(entry, sync: true)
    }

    /// Audits what the rotation schedule did (identity `openkcm-scheduler`), with the policy in `key`.
    func auditScheduled(
        _ operation: String, tenant: TenantID, service: ServiceID?, key: String, error: (any Error)?, correlationID: String = RandomUUID.make()
    ) async {
        try? await core.auditLog.append(scheduledEntry(operation, tenant: tenant, service: service, key: key, error: error, correlationID: correlationID),
                                        sync: true)
    }

    /// Writes (and syncs) the schedule's intent before it changes anything: a change that cannot be audited never starts.
    func recordScheduledIntent(_ operation: String, tenant: TenantID, service: ServiceID?, key: String, correlationID: String) async throws {
        var entry = scheduledEntry(operation, tenant: tenant, service: service, key: key, error: nil, correlationID: correlationID)
        entry.outcome = .attempted
        try await core.auditLog.append(entry, sync: true)
    }

    private func scheduledEntry(
        _ operation: String, tenant: TenantID, service: ServiceID?, key: String, error: (any Error)?, correlationID: String
    ) -> AuditEntry {
        var entry = auditEntry(operation, caller: Caller(identity: nil, correlationID: correlationID), tenant: tenant, service: service, key: key, error: error)
        entry.identity = "openkcm-scheduler"
        return entry
    }

    /// Audits a gateway's accepted data-key channel hello, in the scope it will serve.
    func auditHello(caller: Caller, tenant: TenantID, service: ServiceID) async {
        try? await core.auditLog.append(auditEntry("datakey-channel.hello", caller: caller, tenant: tenant, service: service, key: nil, error: nil))
    }

    /// Audits what happens outside a named, scoped operation: init, unseal,
    /// and refusals before routing (bad token, bad body, unknown route).
    public func auditUnscoped(_ operation: String, caller: Caller, error: (any Error)?, sync: Bool = false, key: String? = nil) async {
        let entry = auditEntry(operation, caller: caller, tenant: nil, service: nil, key: key, error: error)
        caller.audited.set()
        try? await core.auditLog.append(entry, sync: sync)
    }

    func auditEntry(
        _ operation: String, caller: Caller, tenant: TenantID?, service: ServiceID?, key: String?, error: (any Error)?
    ) -> AuditEntry {
        let outcome: AuditOutcome
        switch error {
        case nil: outcome = .success
        case is StorageError, is AuditLogError: outcome = .failed
        case let keystoreError as KeystoreError:
            switch keystoreError {
            case .unreachable, .throttled, .badCiphertext: outcome = .failed
            default: outcome = .refused
            }
        default: outcome = .refused
        }
        return AuditEntry(
            time: Date(),
            correlationID: caller.correlationID,
            identity: caller.identity?.id ?? "anonymous",
            operation: operation,
            tenant: tenant?.rawValue,
            service: service?.rawValue,
            // An act run by approval names the request it ran for.
            key: key ?? caller.approval.map { "approval:\($0)" },
            outcome: outcome,
            errorCode: error.map { ($0 as? ProblemDetails)?.code ?? ($0 as? any OpenKCMError)?.code ?? "internal" }
        )
    }
}
