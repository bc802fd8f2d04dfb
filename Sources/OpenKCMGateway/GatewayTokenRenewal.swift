import Foundation
import Logging

/// Keeps the gateway's service token alive: the core gives crypto identities
/// a lifetime (90 days unless their creator said otherwise), and a gateway
/// that ran past it would stop wrapping. It renews the token at start and
/// then whenever half of what is left has passed, trying again every
/// ``retryInterval`` while no replica answers; a token made without expiry
/// (`--ttl none`) has nothing to renew, and one the core refuses (revoked,
/// already expired) is logged, never retried in a loop.
struct GatewayTokenRenewal: Sendable {
    static let retryInterval = Duration.seconds(30)
    /// Never renew more often than this, however short the lifetime.
    static let minimumInterval = Duration.seconds(30)

    let core: CoreConnection
    let logger: Logger
    let now: @Sendable () -> Date

    init(core: CoreConnection, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.core = core
        self.logger = logger
        self.now = now
    }

    /// Runs until cancelled, or until renewing cannot succeed.
    func run() async {
        while !Task.isCancelled {
            switch await core.renewToken() {
            case .success(let expiry):
                logger.info("service token renewed", metadata: ["expires": "\(expiry)"])
                try? await Task.sleep(for: Self.wait(until: expiry, now: now()))
            case .failure(let error) where error.code == "access.not_renewable":
                logger.info("the service token has no expiry: nothing to renew")
                return
            case .failure(let error) where error.status == 401 || error.status == 403:
                logger.error("the core refuses to renew the service token: give the gateway a new one", metadata: ["code": "\(error.code)"])
                return
            case .failure(let error):
                logger.warning("could not renew the service token; trying again", metadata: ["code": "\(error.code)"])
                try? await Task.sleep(for: Self.retryInterval)
            }
        }
    }

    /// Half of what is left until `expiry`, at least ``minimumInterval``.
    static func wait(until expiry: Date, now: Date) -> Duration {
        let half = expiry.timeIntervalSince(now) / 2
        return max(minimumInterval, .milliseconds(Int64(half * 1000)))
    }
}
