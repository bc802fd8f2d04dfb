import Foundation
public import Logging
public import ServiceLifecycle
import OpenKCMCore

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
        self.progress = AuditStreamProgress(sink: sink.name, head: { [auditLog] in auditLog.durableSequence })
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
        var acknowledged: UInt64 = 0
        var acknowledgedMAC = ""
        var resumed = false
        var tail = AuditLogTail(from: 1)
        var failures = 0
        var storedAt = ContinuousClock.now
        var stored: UInt64 = 0
        /// After a failed send, the next send holds exactly the same entries (a webhook's idempotency key names them).
        var retryThrough: UInt64?
        /// The MAC of each sent batch's last entry, so the cursor can name the entry it stops at.
        var sentMACs: [UInt64: String] = [:]
        func settled(_ certain: UInt64?) {
            guard let certain, certain > acknowledged else { return }
            acknowledged = certain
            if let mac = sentMACs[certain] { acknowledgedMAC = mac }
            sentMACs = sentMACs.filter { $0.key > certain }
            progress.acknowledged(certain)
        }
        while !Task.isCancelled {
            guard let durable = auditLog.durableSequence else {
                try? await Task.sleep(for: pollInterval)
                continue
            }
            if !resumed {
                (acknowledged, acknowledgedMAC) = await resumePoint()
                stored = acknowledged
                tail = AuditLogTail(from: acknowledged + 1)
                progress.acknowledged(acknowledged)
                resumed = true
            }
            progress.saw(head: durable)
            do {
                let through = min(durable, retryThrough ?? durable)
                if tail.next <= through {
                    let (moved, lines) = await auditLog.read(tail, through: through, limit: batchSize)
                    if let first = lines.first, first.entry.sequence > tail.next {
                        logger.warning("audit entries missing from the log were skipped", metadata: ["from": "\(tail.next)", "to": "\(first.entry.sequence - 1)"])
                    }
                    tail = moved
                    if let last = lines.last {
                        sentMACs[last.entry.sequence] = last.entry.mac
                        settled(try await sink.send(lines))
                        retryThrough = nil
                    } else {
                        settled(try await sink.settle())
                        try? await Task.sleep(for: pollInterval)
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
                // The first failure of an outage, then one line in 8: a SIEM down for hours must not fill the log.
                if failures == 1 || failures % 8 == 0 {
                    logger.warning("audit stream cannot deliver; entries wait in the audit log", metadata: [
                        "error": "\(error)", "acknowledged": "\(acknowledged)", "failures": "\(failures)",
                    ])
                }
                await sink.reset()
                if tail.next > acknowledged + 1 { retryThrough = retryThrough ?? (tail.next - 1) }
                tail.rewind(to: acknowledged + 1)
                sentMACs = [:]
                try? await Task.sleep(for: backoff(failures))
            }
            if acknowledged != stored, ContinuousClock.now - storedAt >= .milliseconds(500) {
                store(acknowledged, mac: acknowledgedMAC)
                stored = acknowledged
                storedAt = .now
            }
        }
        if acknowledged != stored { store(acknowledged, mac: acknowledgedMAC) }
    }

    /// Where the stream starts: after the cursor's entry when the log still holds it (same sequence, same MAC); from the first entry otherwise.
    private func resumePoint() async -> (UInt64, String) {
        guard let saved = cursor.load() else { return (0, "") }
        let held = await auditLog.entries(from: saved.sequence, limit: 1).first
        guard let held, held.sequence == saved.sequence, held.mac == saved.mac else {
            logger.warning("the audit log no longer holds the entry the stream stopped at (replaced or started again): streaming it from the first entry",
                           metadata: ["cursor": "\(saved.sequence)"])
            return (0, "")
        }
        return (saved.sequence, saved.mac)
    }

    private func store(_ sequence: UInt64, mac: String) {
        do { try cursor.store(sequence, mac: mac) } catch {
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
