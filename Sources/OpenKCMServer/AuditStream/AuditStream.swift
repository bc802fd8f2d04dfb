import Foundation
public import Logging
public import ServiceLifecycle

/// Streams this node's audit entries, as they are written, to one SIEM sink
/// (syslog over TLS, an HTTPS webhook): at least once, in sequence order.
///
/// The local chain stays the source of truth and is the stream's buffer:
/// the stream reads entries back from the log once they are fsynced
/// (``AuditLogFile/durableSequence``), so key operations never wait on the
/// SIEM and an outage loses nothing. The sequence the receiver acknowledged
/// is kept in a cursor file beside the log; after a failure, or a restart,
/// delivery resumes from the entry after it, retrying with exponential
/// backoff (100 ms doubling to ``maximumBackoff``, with jitter).
public final class AuditStream: Service, Sendable {
    package let sink: any AuditSink
    public let progress: AuditStreamProgress
    let auditLog: AuditLogFile
    let cursor: AuditStreamCursor
    let batchSize: Int
    let pollInterval: Duration
    let maximumBackoff: Duration
    let logger: Logger

    /// - Parameters:
    ///   - batchSize: entries per send, at most.
    ///   - pollInterval: how often an idle stream looks for new entries.
    package init(
        auditLog: AuditLogFile, sink: any AuditSink, batchSize: Int = 500, pollInterval: Duration = .milliseconds(100),
        maximumBackoff: Duration = .seconds(10), logger: Logger = Logger(label: "openkcm.audit-stream")
    ) {
        self.auditLog = auditLog
        self.sink = sink
        self.progress = AuditStreamProgress(sink: sink.name)
        self.cursor = AuditStreamCursor(auditLogPath: auditLog.path, sink: sink.name)
        self.batchSize = max(1, batchSize)
        self.pollInterval = pollInterval
        self.maximumBackoff = maximumBackoff
        var logger = logger
        logger[metadataKey: "sink"] = "\(sink.name)"
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.follow() }
        await sink.close()
    }

    /// Follows the log until cancelled.
    package func follow() async {
        var acknowledged = cursor.load()
        progress.acknowledged(acknowledged)
        var tail = AuditLogTail(from: acknowledged + 1)
        var failures = 0
        var storedAt = ContinuousClock.now
        var stored = acknowledged
        func settled(_ certain: UInt64?) {
            guard let certain, certain > acknowledged else { return }
            acknowledged = certain
            progress.acknowledged(certain)
        }
        while !Task.isCancelled {
            guard let durable = auditLog.durableSequence else {
                try? await Task.sleep(for: pollInterval)
                continue
            }
            progress.saw(head: durable)
            do {
                if tail.next <= durable {
                    let (moved, lines) = await auditLog.read(tail, through: durable, limit: batchSize)
                    tail = moved
                    if lines.isEmpty {
                        settled(try await sink.settle())
                        try? await Task.sleep(for: pollInterval)
                    } else {
                        settled(try await sink.send(lines))
                    }
                } else {
                    settled(try await sink.settle())
                    try? await Task.sleep(for: pollInterval)
                }
                if failures > 0 {
                    logger.notice("audit stream delivering again", metadata: ["after_failures": "\(failures)", "from": "\(acknowledged + 1)"])
                }
                failures = 0
                progress.delivered()
            } catch {
                failures += 1
                progress.failed()
                // The first failure of an outage, then one line a minute or so: a SIEM down for hours must not fill the log.
                if failures == 1 || failures % 8 == 0 {
                    logger.warning("audit stream cannot deliver; entries wait in the audit log", metadata: [
                        "error": "\(error)", "acknowledged": "\(acknowledged)", "failures": "\(failures)",
                    ])
                }
                await sink.reset()
                tail.rewind(to: acknowledged + 1)
                try? await Task.sleep(for: backoff(failures))
            }
            if acknowledged != stored, ContinuousClock.now - storedAt >= .milliseconds(500) {
                store(acknowledged)
                stored = acknowledged
                storedAt = .now
            }
        }
        if acknowledged != stored { store(acknowledged) }
    }

    private func store(_ sequence: UInt64) {
        do { try cursor.store(sequence) } catch {
            // Not fatal: a restart then sends some entries again.
            logger.warning("audit stream cursor not saved", metadata: ["path": "\(cursor.path)", "error": "\(error)"])
        }
    }

    /// 100 ms doubling per failure, at most ``maximumBackoff``, less up to a quarter at random (so nodes do not retry in step).
    func backoff(_ failures: Int) -> Duration {
        let base = Duration.milliseconds(100) * (1 << min(failures - 1, 16))
        let capped = min(base, maximumBackoff)
        return capped - capped * Double.random(in: 0..<0.25)
    }
}
