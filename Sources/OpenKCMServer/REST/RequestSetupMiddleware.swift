import Foundation
import HTTPTypes
public import Hummingbird
import Logging
import OpenKCMCore

/// Runs first on every request: takes or makes the correlation id,
/// authenticates the bearer token, and turns every error into problem+json.
/// A refusal that no operation audits (bad token, bad body, unknown route)
/// is audited here.
public struct RequestSetupMiddleware: RouterMiddleware {
    public typealias Context = OpenKCMRequestContext
    let operations: Operations
    let metrics: ServerMetrics
    /// People's sign-in through the customer's identity provider (`[oidc]`), if configured.
    let oidc: OIDCAuthenticator?

    public init(operations: Operations, metrics: ServerMetrics, oidc: OIDCAuthenticator? = nil) {
        self.operations = operations
        self.metrics = metrics
        self.oidc = oidc
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = await answer(request, context: context, next: next)
        // Label values come from fixed sets only: a client cannot grow the registry.
        let method = ["GET", "POST", "PUT", "DELETE"].contains(request.method.rawValue) ? request.method.rawValue : "OTHER"
        metrics.recordRequest(
            route: context.endpointPath ?? "unmatched", method: method, status: response.status.code,
            duration: ContinuousClock.now - start)
        return response
    }

    private func answer(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async -> Response {
        var context = context
        context.caller.correlationID = Self.correlationID(request.headers[.correlationID])
        var tokenError: (any Error)?
        if let authorization = request.headers[.authorization] {
            do {
                guard authorization.hasPrefix("Bearer ") else { throw AccessError.unauthenticated }
                guard let unsealed = try? operations.core.unsealed() else {
                    // Not a bad token: one that could not be checked. If the node unseals before the operation
                    // runs, the caller is told it was sealed (503, try again or elsewhere), not 401.
                    context.caller.credentialUnchecked = true
                    throw AccessError.unauthenticated
                }
                let bearer = String(authorization.dropFirst(7))
                // OpenKCM's own tokens start `okcm.`; a JWT is the identity provider's, when one is configured.
                let identity = if let oidc, OIDCAuthenticator.isJWT(bearer) {
                    try await oidc.authenticate(bearer)
                } else {
                    try await unsealed.identities.authenticate(bearer)
                }
                // A regional core's token is good only with its certificate: mutual TLS, the token bound to it.
                if identity.role == .core, let bound = identity.certificateFingerprint {
                    guard let presented = await context.clientCertificateFingerprint(),
                          ConstantTime.equals(Array(presented.utf8), Array(bound.utf8))
                    else { throw AccessError.unauthenticated }
                }
                context.caller.identity = identity
            } catch {
                tokenError = error
                if case .tokenRefused(let reason)? = error as? AccessError { context.caller.tokenRefusal = reason }
            }
        }
        do {
            // A token whose identity record was changed outside the server (a revocation put back,
            // say) is refused with what was found, not as a bad token: the operator must see it.
            if let integrity = tokenError as? BarrierError, integrity != .sealed { throw integrity }
            // A store that did not answer (a replica cut from its database) is not a bad token: the caller
            // gets 503 and tries another node.
            if let unanswered = tokenError as? StoreFreshnessError { throw unanswered }
            var response = try await next(request, context)
            response.headers[.correlationID] = context.caller.correlationID
            return response
        } catch let pending as ApprovalPending {
            // Four-eyes: nothing ran yet; the request waits for approvals (its asking is audited).
            var response = JSONBody.response(json: pending.body, status: .accepted)
            response.headers[.correlationID] = context.caller.correlationID
            response.headers[.location] = "/v1/approvals/\(pending.approval.id)"
            return response
        } catch {
            let problem = ProblemDetails.from(error)
            metrics.recordProblem(code: problem.code)
            if problem.status >= 500 {
                context.logger.error("request failed", metadata: ["correlation_id": .string(context.caller.correlationID), "code": .string(problem.code)])
            }
            // Refusals no operation audited (routing, body, ids, token) are audited here.
            if !context.caller.audited.isSet {
                await operations.auditUnscoped("\(request.method) \(Self.auditedPath(request.uri.path))", caller: context.caller, error: tokenError ?? error)
            }
            return problem.response(correlationID: context.caller.correlationID)
        }
    }

    /// The path as the audit entry names it: at most 256 bytes (cut at a
    /// character boundary), so a caller cannot grow the log by its URL length.
    static func auditedPath(_ path: String) -> String {
        guard path.utf8.count > 256 else { return path }
        var cut = ""
        for character in path {
            guard cut.utf8.count + character.utf8.count <= 256 else { break }
            cut.append(character)
        }
        return cut + "..."
    }

    /// A caller's id if it is short and plain; otherwise a fresh one.
    static func correlationID(_ header: String?) -> String {
        if let header, (1...128).contains(header.utf8.count),
            header.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E || $0 == 0x3A })
        {
            return header
        }
        return RandomUUID.make()
    }
}
