import Foundation
import Hummingbird
import OpenKCMCore

/// `/v1/sys`: health, seal status, init, unseal, seal, and who the caller is. Health and seal status
/// are the only routes that answer while sealed without a token.
struct SystemRoutes {
    let operations: Operations

    func register(on router: Router<OpenKCMRequestContext>) {
        // What a load balancer needs, as Vault answers it: 200 only for a node that serves (initialised,
        // unsealed, its audit log writable, its shared store answering); 501 not initialised, 503 sealed,
        // refusing for its audit log, or cut from the database other nodes share.
        router.get("/v1/sys/health") { _, _ in
            await operations.core.refreshSealConfiguration()
            let status = operations.core.status
            let (state, code): (String, HTTPResponse.Status) =
                if !status.initialized { ("uninitialized", .notImplemented) }
                else if status.sealed { ("sealed", .serviceUnavailable) }
                else if status.auditError != nil { ("audit_error", .serviceUnavailable) }
                else if await !operations.core.storeAnswers() { ("store_unreachable", .serviceUnavailable) }
                else { ("ok", .ok) }
            var body = ["status": state, "initialized": "\(status.initialized)", "sealed": "\(status.sealed)"]
            if let node = status.node { body["node"] = node }
            return try JSONBody.response(body, status: code)
        }
        router.get("/v1/sys/seal-status") { _, _ in
            await operations.core.refreshSealConfiguration()
            return try JSONBody.response(await operations.core.statusWithPeers())
        }
        router.post("/v1/sys/init") { request, context in
            let body = try await JSONBody.decode(InitBody.self, from: request, context: context)
            do {
                let response = try await initialize(body)
                await operations.auditUnscoped("sys.init", caller: context.caller, error: nil, sync: true)
                return try JSONBody.response(response)
            } catch {
                await operations.auditUnscoped("sys.init", caller: context.caller, error: error)
                throw error
            }
        }
        router.post("/v1/sys/unseal") { request, context in
            let body = try await JSONBody.decode(UnsealBody.self, from: request, context: context)
            guard let bytes = [UInt8](hex: body.share) else {
                throw ProblemDetails(status: .badRequest, code: "request.invalid_share", detail: "a share is hex, as init printed it")
            }
            let (status, unsealedNow) = try await operations.core.submitShare(try ShamirShare(encoded: bytes))
            // Only the share that completes the unseal is a success worth an entry.
            if unsealedNow { await operations.auditUnscoped("sys.unseal", caller: context.caller, error: nil, sync: true) }
            return try JSONBody.response(status)
        }
        // Who the token is: what `openkcm login` shows, and how a person checks what the identity provider's groups gave them.
        router.get("/v1/sys/whoami") { _, context in
            _ = try operations.core.unsealed()
            guard let identity = context.caller.identity else { throw context.caller.missingIdentity }
            var body = ["id": identity.id, "name": identity.name, "role": identity.role.rawValue]
            if let tenant = identity.tenant { body["tenant"] = tenant.rawValue }
            if let service = identity.service { body["service"] = service.rawValue }
            if let region = identity.region { body["region"] = region.rawValue }
            return try JSONBody.response(body)
        }
        router.post("/v1/sys/seal") { _, context in
            try await operations.seal(caller: context.caller)
            return try JSONBody.response(operations.core.status)
        }
    }
}

extension SystemRoutes {
    /// Shares leave the server only as the init contract says: in hex for
    /// operators, encrypted to each custodian's key, or not at all when
    /// keystores hold them.
    func initialize(_ body: InitBody) async throws -> InitResponse {
        if let seal = operations.core.configuredSeal {
            guard body.shardKeystores == nil, body.sharePublicKeys == nil, body.shares == nil else {
                throw ProblemDetails(status: .badRequest, code: "request.invalid_init",
                                     detail: "this server auto-unseals with \(seal.reference); init takes no shares")
            }
            let rootToken = try await operations.core.initializeWithKeystore(seal)
            return InitResponse(shares: [], sharesEncrypted: false, threshold: 1, rootToken: rootToken)
        }
        let threshold = body.threshold ?? 3
        if let references = body.shardKeystores {
            guard body.sharePublicKeys == nil, body.shares == nil || body.shares == references.count else {
                throw ProblemDetails(status: .badRequest, code: "request.invalid_init", detail: "shard keystores set the number of shares; give no public keys")
            }
            let rootToken = try await operations.core.initializeWithShardKeystores(references.map(\.reference), threshold: threshold)
            return InitResponse(shares: [], sharesEncrypted: false, threshold: threshold, rootToken: rootToken)
        }
        let count = body.shares ?? body.sharePublicKeys?.count ?? 5
        var custodians: [CustodianKey] = []
        if let keys = body.sharePublicKeys {
            guard keys.count == count else {
                throw ProblemDetails(status: .badRequest, code: "request.invalid_init", detail: "give exactly one public key per share (\(count))")
            }
            custodians = try keys.map { try CustodianKey(pem: $0) }
        }
        // Validate the custodian keys before anything is created.
        let (shares, rootToken) = try await operations.core.initializeShamir(shares: count, threshold: threshold)
        if custodians.isEmpty {
            return InitResponse(shares: shares.map { $0.withEncodedBytes { $0.hexString } }, sharesEncrypted: false, threshold: threshold, rootToken: rootToken)
        }
        let encrypted = try zip(shares, custodians).map { try $1.encrypt($0).base64EncodedString() }
        return InitResponse(shares: encrypted, sharesEncrypted: true, threshold: threshold, rootToken: rootToken)
    }
}

struct InitResponse: Encodable {
    /// Hex shares, or base64 encrypted shares; empty when keystores hold them.
    var shares: [String]
    var sharesEncrypted: Bool
    var threshold: Int
    var rootToken: String
}
