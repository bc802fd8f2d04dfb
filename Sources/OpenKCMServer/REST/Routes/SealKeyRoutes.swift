import Foundation
import Hummingbird
import OpenKCMCore

/// `/v1/sys` routes that change what protects the store, on an unsealed server:
/// rotating the barrier key and its progress (root), replacing the operator
/// shares (`rekey`: started by root, completed by a quorum of the current
/// shares), and making a root token from a quorum of shares (`generate-root`,
/// for when no root token is left: no token needed, the shares are the authority).
/// Share answers are audited: every refusal, and the share that completes.
struct SealKeyRoutes {
    let operations: Operations

    func register(on router: Router<OpenKCMRequestContext>) {
        router.post("/v1/sys/rotate") { _, context in
            try JSONBody.response(try await operations.rotateBarrierKey(caller: context.caller))
        }
        router.get("/v1/sys/key-status") { _, context in
            let (status, progress) = try await operations.barrierKeyStatus(caller: context.caller)
            return try JSONBody.response(KeyStatusResponse(status, progress, now: operations.core.now()))
        }

        router.post("/v1/sys/rekey/init") { request, context in
            let body = try await JSONBody.decode(RekeyInitBody.self, from: request, context: context)
            return try JSONBody.response(try await operations.startRekey(
                shares: body.shares, threshold: body.threshold, sharePublicKeys: body.sharePublicKeys ?? [], caller: context.caller))
        }
        router.get("/v1/sys/rekey") { _, _ in
            try JSONBody.response(operations.core.rekeyStatus)
        }
        router.delete("/v1/sys/rekey") { _, context in
            try await operations.cancelRekey(caller: context.caller)
            return try JSONBody.response(operations.core.rekeyStatus)
        }
        router.post("/v1/sys/rekey/update") { request, context in
            let body = try await JSONBody.decode(QuorumShareBody.self, from: request, context: context)
            return try await audited("sys.rekey.update", context) {
                let status = try await operations.core.submitRekeyShare(
                    try share(body), nonce: body.nonce, caller: context.caller.identity?.id, beforeActing: commitEntry("sys.rekey.commit", context))
                // Worth an entry: the new shares leaving (first stage), and the new configuration stored (second).
                return (status, status.shares != nil || status.complete == true)
            }
        }

        router.post("/v1/sys/generate-root/init") { request, context in
            let body = try await JSONBody.decode(GenerateRootInitBody.self, from: request, context: context)
            return try await audited("sys.generate-root.init", context) {
                (try await operations.core.startGenerateRoot(recipient: body.recipientKey), true)
            }
        }
        router.get("/v1/sys/generate-root") { _, _ in
            try JSONBody.response(operations.core.generateRootStatus)
        }
        router.delete("/v1/sys/generate-root") { _, context in
            // Anyone may cancel, as anyone may start: a share holder who does not know the recipient's key stops it.
            operations.core.cancelGenerateRoot()
            await operations.auditUnscoped("sys.generate-root.cancel", caller: context.caller, error: nil)
            return try JSONBody.response(operations.core.generateRootStatus)
        }
        router.post("/v1/sys/generate-root/update") { request, context in
            let body = try await JSONBody.decode(QuorumShareBody.self, from: request, context: context)
            return try await audited("sys.generate-root.update", context) {
                let (status, identity) = try await operations.core.submitGenerateRootShare(
                    try share(body), nonce: body.nonce, beforeActing: commitEntry("sys.generate-root.commit", context))
                if let identity {
                    await operations.auditUnscoped("sys.generate-root.complete", caller: context.caller, error: nil, key: "identity:\(identity.id)")
                }
                return (status, status.complete == true)
            }
        }
    }

    /// The entry written (and synced) before a quorum acts: if the audit log cannot take it, nothing is done.
    private func commitEntry(_ operation: String, _ context: OpenKCMRequestContext) -> ServerCore.BeforeActing {
        let caller = context.caller
        return { [operations] in
            try await operations.record(operations.auditEntry(operation, caller: caller, tenant: nil, service: nil, key: nil, error: nil),
                                        caller: caller, sync: true)
        }
    }

    private func share(_ body: QuorumShareBody) throws -> ShamirShare {
        guard let bytes = [UInt8](hex: body.share) else {
            throw ProblemDetails(status: .badRequest, code: "request.invalid_share", detail: "a share is hex, as init or rekey printed it")
        }
        return try ShamirShare(encoded: bytes)
    }

    /// Runs an unauthenticated share step: a refusal is audited; so is the step `body` says is worth an entry.
    private func audited(
        _ operation: String, _ context: OpenKCMRequestContext, _ body: () async throws -> (ShareQuorumStatus, Bool)
    ) async throws -> Response {
        do {
            let (status, record) = try await body()
            if record { await operations.auditUnscoped(operation, caller: context.caller, error: nil, sync: true) }
            return try JSONBody.response(status)
        } catch {
            await operations.auditUnscoped(operation, caller: context.caller, error: error)
            throw error
        }
    }
}
