import Foundation
public import OpenKCMCore

/// Four-eyes (``ApprovalPolicy``): a guarded act asked for by one identity is
/// kept as a ``PendingApproval`` and runs, as that identity, when enough other
/// identities allowed to perform it have approved it. Every step is audited
/// under the correlation id of the request that asked: `approval.request`,
/// each `approval.approve` (one entry per approver), `approval.reject`, and the
/// act itself with `approval:<id>` as its key.
extension Operations {
    /// Returns when `action` may run now; otherwise keeps it as a pending request
    /// and throws ``ApprovalPending``. The one asking must be allowed the act,
    /// and is refused (and audited) as usual when not.
    func requireApproval(_ action: ApprovalAction, caller: Caller) async throws {
        let policy = core.approvalPolicy
        guard policy.requiresApproval(action.operation, tenant: action.tenant), caller.approval == nil, !caller.governed else { return }
        _ = try admit(action.operation, caller: caller, tenant: action.tenant, service: action.service)
        let identity = try caller.identity.orThrow(AccessError.unauthenticated)
        var bytes = [UInt8](repeating: 0, count: 12)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        let approval = PendingApproval(
            id: bytes.hexString, action: action, initiator: identity, correlationID: caller.correlationID, required: policy.required(for: action.tenant),
            createdAt: core.now(), lifetime: policy.lifetime)
        // Audited first: a request that could not be audited is never kept, so it can never be approved.
        try await record(auditEntry(OperationKind.approvalRequest.rawValue, caller: caller, tenant: action.tenant, service: action.service,
                                    key: "approval:\(approval.id) \(action.operation.rawValue)", error: nil), caller: caller, sync: true)
        try await core.barrier.put(PendingApproval.storageKey(approval.id), value: RecordCoder.encode(approval))
        // Something was kept: a resend with the same Idempotency-Key gets this request back.
        caller.started.set()
        throw ApprovalPending(approval: approval)
    }

    /// The requests `caller` may see: those it could approve (it may perform the act), and its own.
    public func approvals(caller: Caller) async throws -> [PendingApproval] {
        try await perform(.approvalList, caller: caller, tenant: caller.identity?.tenant) { _ in
            let identity = try caller.identity.orThrow(AccessError.unauthenticated)
            var found: [PendingApproval] = []
            for key in try await core.barrier.list(prefix: PendingApproval.storagePrefix) {
                guard let data = try await core.barrier.get(key) else { continue }
                let approval = try RecordCoder.decode(PendingApproval.self, from: data, at: key).at(core.now())
                let mayApprove = (try? AccessPolicy.authorize(identity, approval.action.operation, tenant: approval.action.tenant,
                                                             service: approval.action.service)) != nil
                if mayApprove || approval.initiator.id == identity.id { found.append(approval) }
            }
            return found.sorted { $0.createdAt > $1.createdAt }
        }
    }

    /// Approves request `id`. The approver must be another identity than the
    /// one who asked, allowed to perform the act on its tenant; the last
    /// approval needed runs it, and the answer says how it ended.
    public func approve(_ id: String, caller: Caller) async throws -> PendingApproval {
        let independent = try await independence(of: caller)
        let (approval, complete) = try await changeApproval(id, .approvalApprove, caller: caller) { approval, identity, now in
            guard independent(approval) else { throw ApprovalError.notIndependent }
            return try approval.approve(by: identity.id, at: now)
        }
        guard complete else { return approval }
        return try await execute(approval)
    }

    /// Rejects request `id` (any identity allowed to approve it, or the one who asked, withdrawing it).
    public func reject(_ id: String, caller: Caller) async throws -> PendingApproval {
        try await changeApproval(id, .approvalReject, caller: caller) { approval, _, now in
            try approval.reject(at: now)
            return false
        }.approval
    }

    /// Reads request `id`, checks `caller` may act on it, applies `change` and
    /// stores it, in one transaction; audited under the request's correlation id.
    private func changeApproval(
        _ id: String, _ operation: OperationKind, caller: Caller,
        _ change: @escaping @Sendable (inout PendingApproval, Identity, Date) throws -> Bool
    ) async throws -> (approval: PendingApproval, complete: Bool) {
        guard id.utf8.count == 24, id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { throw ApprovalError.notFound(id) }
        let key = PendingApproval.storageKey(id)
        var scope: (tenant: TenantID?, service: ServiceID?) = (nil, nil)
        // Audited under the correlation id of the request that asked: one id tells the whole story.
        var caller = caller
        if let data = try? await core.barrier.get(key), let stored = try? RecordCoder.decode(PendingApproval.self, from: data, at: key) {
            scope = (stored.action.tenant, stored.action.service)
            caller.correlationID = stored.correlationID
        }
        return try await perform(operation, caller: caller, tenant: scope.tenant, service: scope.service, key: "approval:\(id)", sync: true) { _ in
            let identity = try caller.identity.orThrow(AccessError.unauthenticated)
            return try await core.barrier.transaction { [caller] in
                guard let data = try await core.barrier.get(key) else { throw ApprovalError.notFound(id) }
                var approval = try RecordCoder.decode(PendingApproval.self, from: data, at: key)
                // Only an identity that may perform the act approves it (or, rejecting, the one who asked).
                if !(operation == .approvalReject && identity.id == approval.initiator.id) {
                    try AccessPolicy.authorize(identity, approval.action.operation, tenant: approval.action.tenant, service: approval.action.service)
                }
                let now = core.now()
                let complete: Bool
                do {
                    complete = try change(&approval, identity, now)
                } catch let refusal as ApprovalError {
                    // An expiry found now is kept, so the list shows it.
                    if refusal == .expired { try await core.barrier.put(key, value: RecordCoder.encode(approval)) }
                    throw refusal
                }
                try await core.barrier.put(key, value: RecordCoder.encode(approval))
                return (approval, complete)
            }
        }
    }

    /// Runs an approved request as the identity that asked, audited as the act
    /// itself with key `approval:<id>`, and records how it ended.
    private func execute(_ approved: PendingApproval) async throws -> PendingApproval {
        let key = PendingApproval.storageKey(approved.id)
        var finished = approved
        // The one who asked must still be who it was: not revoked, not expired, since it asked.
        let initiator: Identity
        do {
            initiator = try await currentIdentity(approved.initiator)
        } catch {
            finished.finish(failure: "approval.initiator_gone")
            try await core.barrier.put(key, value: RecordCoder.encode(finished))
            return finished
        }
        var caller = Caller(identity: initiator, correlationID: approved.correlationID)
        caller.approval = approved.id
        if case .seal = approved.action {
            // Sealing drops the store's key: the request is marked done before, or it could never be.
            finished.finish(failure: nil)
            try await core.barrier.put(key, value: RecordCoder.encode(finished))
            try await run(approved.action, caller: caller)
            return finished
        }
        var failure: String?
        do {
            try await run(approved.action, caller: caller)
        } catch {
            failure = (error as? any OpenKCMError)?.code ?? (error as? ProblemDetails)?.code ?? "internal"
        }
        finished.finish(failure: failure)
        try await core.barrier.put(key, value: RecordCoder.encode(finished))
        return finished
    }

    /// Whether the caller is independent of a request's initiator: a sign-in through the identity provider
    /// always is (the provider's administrators made it, not OpenKCM's); a stored identity must have existed
    /// before the request, and not descend (through `createdBy`) from the one who asked.
    private func independence(of caller: Caller) async throws -> @Sendable (PendingApproval) -> Bool {
        guard let identity = caller.identity, !identity.id.hasPrefix("oidc-"), let unsealed = try? core.unsealed() else { return { _ in true } }
        // A root made from shares stands for whichever share holders asked for it: it approves nothing.
        if identity.createdBy == ServerCore.generatedRootCreator { return { _ in false } }
        var ancestors: [String] = []
        var next = identity.createdBy
        while let id = next, ancestors.count < 64, !ancestors.contains(id) {
            ancestors.append(id)
            next = (try? await unsealed.identities.identity(id))?.createdBy
        }
        let createdAt = identity.createdAt
        let lineage = ancestors
        return { approval in createdAt < approval.createdAt && !lineage.contains(approval.initiator.id) }
    }

    /// `identity` as the store holds it now (a sign-in through the identity provider is not stored: as it was).
    private func currentIdentity(_ identity: Identity) async throws -> Identity {
        guard !identity.id.hasPrefix("oidc-") else { return identity }
        let current = try await core.unsealed().identities.identity(identity.id)
        guard !current.revoked else { throw AccessError.unauthenticated }
        if let expiresAt = current.expiresAt, core.now() >= expiresAt { throw AccessError.expired }
        return current
    }

    /// The act itself, on this plane.
    private func run(_ action: ApprovalAction, caller: Caller) async throws {
        let governancePlane = core.plane == .governance
        switch action {
        case .destroyTenant(let tenant):
            governancePlane ? try await governanceDestroyTenant(tenant, caller: caller) : try await destroyTenant(tenant, caller: caller)
        case .destroyService(let tenant, let service):
            governancePlane ? try await governanceDestroyService(service, tenant: tenant, caller: caller)
                : try await destroyService(service, tenant: tenant, caller: caller)
        case .unlinkL1(let tenant):
            if governancePlane { _ = try await governanceUnlink(tenant, caller: caller) } else { _ = try await unlinkL1(tenant, caller: caller) }
        case .linkL1(let tenant, let reference):
            if governancePlane { _ = try await governanceLink(tenant, l1: reference, caller: caller) } else { _ = try await linkL1(tenant, to: reference, caller: caller) }
        case .seal:
            try await seal(caller: caller)
        case .revokeIdentity(let id):
            try await revokeIdentity(id, caller: caller)
        case .rekey(let shares, let threshold, let sharePublicKeys):
            _ = try await startRekey(shares: shares, threshold: threshold, sharePublicKeys: sharePublicKeys, caller: caller)
        case .rotateBarrierKey:
            _ = try await rotateBarrierKey(caller: caller)
        }
    }
}

extension Optional {
    /// The value, or `error` thrown.
    func orThrow(_ error: some Error) throws -> Wrapped {
        guard let self else { throw error }
        return self
    }
}
