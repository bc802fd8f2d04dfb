import OpenKCMCore

extension Operations {
    /// A batch's frame: one authorization, a caller whose audit entries are
    /// collected, and those entries written together before the answer (fail closed).
    func auditedBatch<Result>(
        _ operation: OperationKind, tenant: TenantID, service: ServiceID, caller: Caller,
        _ body: (Caller, AuditBatch) async throws -> Result
    ) async throws -> Result {
        try await authorize(operation, caller: caller, tenant: tenant, service: service)
        var caller = caller
        let batch = AuditBatch()
        caller.auditBatch = batch
        let result = try await body(caller, batch)
        let entries = batch.drain()
        try await core.auditLog.append(contentsOf: entries)
        core.usage.record(entries)
        return result
    }

    /// Authorizes a batch once, then runs its items in order. Every item is
    /// audited; an item that fails is answered by `failed` with its problem
    /// and the others still run.
    func runBatch<Item>(
        _ operation: OperationKind, _ items: [Item], tenant: TenantID, service: ServiceID, caller: Caller,
        _ body: (Item, Caller) async throws -> Void,
        failed: (ProblemDetails) throws -> Void
    ) async throws {
        try await auditedBatch(operation, tenant: tenant, service: service, caller: caller) { caller, batch in
            for item in items {
                let entriesBefore = batch.count
                do {
                    try await body(item, caller)
                } catch {
                    // An item refused before its operation ran (bad base64, bad context) is audited too.
                    if batch.count == entriesBefore {
                        auditItemRefusal(operation, caller: caller, tenant: tenant, service: service, error: error)
                    }
                    var problem = ProblemDetails.from(error)
                    problem.correlationId = caller.correlationID
                    try failed(problem)
                }
            }
        }
    }
}
