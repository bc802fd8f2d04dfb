public import OpenKCMCore

extension Operations {
    /// The events a gateway for (tenant, service) must act on, from now on:
    /// the tenant locked, unlocked or destroyed, and the service destroyed or
    /// retired (execution). The subscription itself is audited once.
    public func subscribeDataKeyEvents(tenant: TenantID, service: ServiceID, caller: Caller) async throws -> AsyncStream<KeyChainEvent> {
        let all = try await perform(.dataKeyEvents, caller: caller, tenant: tenant, service: service) { core in
            core.keyChain.events()
        }
        return AsyncStream(bufferingPolicy: .bufferingNewest(1024)) { continuation in
            let relay = Task {
                for await event in all where event.tenant == tenant && (event.service == nil || event.service == service) {
                    // A subscriber that cannot keep up is cut off rather than silently missing a lock.
                    if case .dropped = continuation.yield(event) { break }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in relay.cancel() }
        }
    }
}
