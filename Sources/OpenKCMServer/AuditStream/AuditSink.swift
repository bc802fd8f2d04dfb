/// Where an ``AuditStream`` delivers audit entries: a syslog receiver, a webhook.
///
/// Delivery is at least once: a sink reports how far the receiver holds
/// entries for certain, which may trail what it was sent; after a failure
/// the stream sends again from there, so a receiver may see an entry twice
/// (each carries its sequence number to drop the repeat) but never misses one.
package protocol AuditSink: Sendable {
    /// Names the sink in logs, metrics and its cursor file: `syslog`, `webhook`.
    var name: String { get }

    /// Sends `lines`, in sequence order, and returns the newest sequence the
    /// receiver now holds for certain (nil: none new yet). Throws when the
    /// receiver cannot be reached or refused them.
    func send(_ lines: [AuditLogTail.Line]) async throws -> UInt64?

    /// With nothing new to send: the newest sequence now certain. Throws when
    /// the connection was lost, so what was sent on it is sent again.
    func settle() async throws -> UInt64?

    /// Drops the connection after a failure; the next send opens a new one.
    func reset() async

    /// Lets go of everything the sink holds, at shutdown.
    func close() async
}
