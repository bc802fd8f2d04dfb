import Foundation
import Hummingbird
import OpenKCMCore

/// `/v1/sys`: health, seal status, init, unseal, seal. Health and seal status
/// are the only routes that answer while sealed without a token.
struct SystemRoutes {
    let operations: Operations

    func register(on router: Router<OpenKCMRequestContext>) {
        router.get("/v1/sys/health") { _, _ in
            let status = operations.core.status
            return try JSONBody.response(
                ["status": status.sealed ? "sealed" : "ok", "initialized": "\(status.initialized)", "sealed": "\(status.sealed)"],
                status: status.sealed ? .serviceUnavailable : .ok)
        }
        router.get("/v1/sys/seal-status") { _, _ in
            try JSONBody.response(operations.core.status)
        }
        router.post("/v1/sys/init") { request, context in
            let body = try await JSONBody.decode(InitBody.self, from: request, context: context)
            do {
                let (shares, rootToken) = try await operations.core.initializeShamir(shares: body.shares, threshold: body.threshold)
                await operations.auditUnscoped("sys.init", caller: context.caller, error: nil, sync: true)
                let hexShares = shares.map { $0.withEncodedBytes { $0.hexString } }
                return try JSONBody.response(InitResponse(shares: hexShares, threshold: body.threshold, rootToken: rootToken))
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
            let status = try operations.core.submitShare(try ShamirShare(encoded: bytes))
            if !status.sealed { await operations.auditUnscoped("sys.unseal", caller: context.caller, error: nil, sync: true) }
            return try JSONBody.response(status)
        }
        router.post("/v1/sys/seal") { _, context in
            try await operations.perform(.seal, caller: context.caller, sync: true) { _ in }
            operations.core.seal()
            return try JSONBody.response(operations.core.status)
        }
    }
}

struct InitResponse: Encodable {
    var shares: [String]
    var threshold: Int
    var rootToken: String
}
