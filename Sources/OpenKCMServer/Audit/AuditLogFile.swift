import Foundation
public import OpenKCMCore
import NIOPosix
public import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The audit log on disk: JSON lines, hash-chained and MACed by ``AuditChain``,
/// in size-bounded segments (see ``AuditSegments``).
///
/// Fail-closed and grouped: ``append(_:sync:)`` returns only once its line is
/// written out of the process (a `kill -9` then loses no answered entry), and,
/// when `sync` is set or the mode is ``SyncMode/everyRequest``, fsynced too.
/// Concurrent appends share one `write` and one `fsync` (group commit): the
/// first caller writes for everyone queued behind it. Otherwise the file is
/// fsynced at most ``syncInterval`` after a write, by ``run()``.
///
/// A write that fails (a full disk) is cut back off the file, its entries'
/// callers are refused, and the chain continues from the last entry written;
/// appends are refused while the failure lasts and retried every
/// ``retryInterval``, so the log recovers by itself when space returns.
///
/// The chain is opened at unseal against the checkpoint kept in sealed
/// storage (``openChain(masterKey:checkpoint:)``): a log cut short, regrown
/// after a cut or replaced is refused, never continued.
public final class AuditLogFile: Service, Sendable {
    public enum SyncMode: String, Sendable, CaseIterable {
        /// Answer after `write`; fsync in groups at most every ``syncInterval``, and before any `sync` append returns.
        case group
        /// fsync before every answer.
        case everyRequest = "every-request"
    }

    /// The open segment; closed ones are beside it (``AuditSegments``).
    public let path: String
    public let mode: SyncMode
    public let syncInterval: Duration
    /// A segment is closed and a new one opened once it holds this many bytes.
    public let segmentBytes: Int
    /// How often appends try the disk again after a failed write.
    public let retryInterval: Duration
    private let segments: AuditSegments
    /// Wakes ``run()`` from idle: every append yields here, so a server with
    /// nothing to write does not wake every ``syncInterval``.
    private let wake = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))

    private struct Waiter {
        let ticket: UInt64
        let needsSync: Bool
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var chain: AuditChain?
        var pending: [UInt8] = []
        var pendingNeedsSync = false
        var lastTicket: UInt64 = 0
        var writtenTicket: UInt64 = 0
        var syncedTicket: UInt64 = 0
        var writing = false
        var waiters: [Waiter] = []
        /// Why the last write or fsync failed, while it lasts; and when.
        /// Why appends are refused: a failed write (retried), or the open segment changed under us (not retried).
        var failure: AuditLogError?
        var failedAt: ContinuousClock.Instant?
        /// Tickets whose entries were dropped by a failed write, newest last (4,096 ranges,
        /// at least half an hour of failures 500 ms apart: an appender looks at its outcome
        /// right after its ticket is written or dropped).
        var failedTickets: [ClosedRange<UInt64>] = []
        /// The chain head after the queued entries, and after the written ones.
        var pendingHead: AuditHead?
        var writtenHead: AuditHead?
        /// The head of what is fsynced: the only head the checkpoint may name, so a
        /// power cut never leaves the checkpoint ahead of what the disk kept.
        var syncedHead: AuditHead?
        var checkpointedHead: AuditHead?
        var checkpoint: (@Sendable (AuditHead) async throws -> Void)?
        /// Refusals made while sealed (no audit key yet), chained at the next unseal.
        var sealedBacklog: [AuditEntry] = []
        var sealedBacklogDropped = 0
        /// The open segment, its size as written by us, and its first entry's sequence.
        var file: AuditSegmentFile
        var fileSize: Int
        var fileFirstSequence: UInt64 = 1
        /// Readers of closed segments: a segment is not closed under them.
        var readers = 0
        var rotating = false
        var anonymous: AnonymousRefusalLimiter

        func settled(ticket: UInt64, needsSync: Bool) -> Result<Void, AuditLogError>? {
            for dropped in failedTickets where dropped.contains(ticket) {
                return .failure(failure ?? .unwritable("the write holding this entry failed"))
            }
            if writtenTicket >= ticket && (!needsSync || syncedTicket >= ticket) { return .success(()) }
            if let failure { return .failure(failure) }
            return nil
        }
    }

    /// At most this many refusals are held while sealed; beyond it they are counted.
    public static let sealedBacklogLimit = 10_000

    private let state: Mutex<State>
    /// Written into every entry (replicas sharing a store); nil for a node with a store of its own.
    public let node: String?

    /// Opens (creating with mode 0600) the open segment at `path`.
    /// - Parameters:
    ///   - segmentBytes: the size at which a segment is closed (at least 4 KiB).
    ///   - anonymousBurst, anonymousPerSecond: how many refusals of callers without identity are written one by one (``AnonymousRefusalLimiter``).
    ///   - node: this node's id among replicas sharing a store, written into every entry.
    public init(
        path: String, mode: SyncMode = .group, syncInterval: Duration = .milliseconds(10), segmentBytes: Int = 64 << 20,
        retryInterval: Duration = .milliseconds(500), anonymousBurst: Int = 100, anonymousPerSecond: Int = 20, node: String? = nil
    ) throws {
        let file = try AuditSegmentFile(path: path)
        self.node = node
        self.path = path
        self.mode = mode
        self.syncInterval = syncInterval
        self.segmentBytes = max(segmentBytes, 4096)
        self.retryInterval = retryInterval
        self.segments = AuditSegments(path: path)
        self.state = Mutex(State(file: file, fileSize: file.size ?? 0,
                                 anonymous: AnonymousRefusalLimiter(burst: anonymousBurst, perSecond: anonymousPerSecond)))
    }

    /// Starts accepting entries after checking the log against `checkpoint`,
    /// the head kept in sealed storage (nil for a log that never stored one):
    /// the entry it names must still be in the log, unchanged, and every
    /// entry after it must verify and link. A partial last line (a write cut
    /// short by a crash, never acknowledged) is cut off first. Throws
    /// ``AuditLogError/chainBroken(_:)`` otherwise, and the chain stays closed.
    public func openChain(masterKey: MasterKey, checkpoint: AuditHead?) async throws {
        // A flush still running from before the seal ends first: the chain is read from what it wrote.
        while state.withLock({ $0.writing }) { try? await Task.sleep(for: .milliseconds(1)) }
        let (path, segments) = (self.path, self.segments)
        // Up to three segments are read and checked: on the audit reading thread, not the cooperative pool.
        let opened = await Self.reading { () -> Result<(AuditSegmentFile, Int, AuditHead, UInt64?), AuditLogError> in
            let contents = AuditSegments.contents(of: path)
            let lines = AuditLogFormat.lines(contents)
            let complete = lines.last.map { $0.endIndex + 1 } ?? 0
            return Result { () throws(AuditLogError) in
                // Opened again: the file at `path` may have been replaced while sealed, and entries go where they are read from.
                let file = try AuditSegmentFile(path: path)
                if complete < contents.count, let error = file.truncate(to: complete) { throw .unwritable(error) }
                // What a killed process wrote may still be only in the page cache: fsynced now, since the head read
                // here counts as synced (an audit stream sends up to it).
                if complete > 0, let error = file.sync() { throw .unwritable(error) }
                let reader = AuditLogReader(segments: segments)
                let head = try reader.head(masterKey: masterKey, checkpoint: checkpoint)
                return (file, complete, head, lines.first.flatMap { AuditLogFormat.sequence(of: $0) })
            }
        }
        let (file, complete, head, firstSequence) = try opened.get()
        let backlog = state.withLock { state -> [AuditEntry] in
            state.chain = AuditChain(masterKey: masterKey, head: head)
            state.file = file
            state.writtenHead = head
            state.syncedHead = head
            state.pendingHead = head
            state.fileSize = complete
            state.fileFirstSequence = firstSequence ?? head.sequence + 1
            state.failure = nil
            state.failedAt = nil
            var backlog = state.sealedBacklog
            if state.sealedBacklogDropped > 0, let last = backlog.last {
                // Say how many refusals did not fit, in the chain itself.
                var note = last
                note.operation = "audit.sealed_backlog_overflow"
                note.errorCode = "\(state.sealedBacklogDropped) refusals made while sealed were not kept"
                backlog.append(note)
            }
            state.sealedBacklog = []
            state.sealedBacklogDropped = 0
            return backlog
        }
        if !backlog.isEmpty { pendingBacklog.withLock { $0 = backlog } }
    }

    /// The operations whose entries record the store generation in their `count`:
    /// the server writes one at every unseal and every seal.
    public static let storeGenerationOperations: Set<String> = ["barrier.open", "barrier.seal", "barrier.rotate"]

    /// The store generation the log on disk recorded last (its entry's MAC
    /// checked), read before the chain is opened: the store's index is opened
    /// first, and may be built only for a log that never recorded one. The
    /// store is outside the log: a store older than this was rolled back as a
    /// whole, which its own index cannot see.
    public func recordedStoreGeneration(masterKey: MasterKey) async throws -> UInt64? {
        let segments = self.segments
        return try await Self.reading { () -> Result<UInt64?, AuditLogError> in
            Result { () throws(AuditLogError) in
                try AuditLogReader(segments: segments).lastStoreGeneration(masterKey: masterKey, operations: Self.storeGenerationOperations)
            }
        }.get()
    }

    /// The barrier keyring version the log recorded last with a store
    /// generation (`key` "term N keyring V"), nil for none: a keyring that went
    /// back below it was put back or deleted outside the server.
    public func recordedKeyringVersion(masterKey: MasterKey) async throws -> UInt64? {
        let segments = self.segments
        let entry = try await Self.reading { () -> Result<AuditEntry?, AuditLogError> in
            Result { () throws(AuditLogError) in
                try AuditLogReader(segments: segments).lastStoreGenerationEntry(masterKey: masterKey, operations: Self.storeGenerationOperations)
            }
        }.get()
        guard let key = entry?.key, let range = key.range(of: " keyring ") else { return nil }
        return UInt64(key[range.upperBound...])
    }

    /// Refusals from the sealed period, written by ``flushSealedBacklog()`` once unsealed.
    private let pendingBacklog = Mutex<[AuditEntry]>([])

    /// Chains and writes the refusals made while sealed.
    public func flushSealedBacklog() async throws {
        let backlog = pendingBacklog.withLock { backlog in
            defer { backlog = [] }
            return backlog
        }
        try await append(contentsOf: backlog, sync: true)
    }

    /// Stops accepting entries (the server seals); the audit key is dropped.
    public func closeChain() {
        state.withLock { state in
            state.chain = nil
            state.checkpoint = nil
        }
    }

    /// The sequence of the last entry written to the file (0 for none yet).
    public var writtenSequence: UInt64 {
        state.withLock { $0.writtenHead?.sequence ?? 0 }
    }

    /// A node's whole log, its segments in log order (the closed
    /// `<path>.<first sequence>` files, then the open one at `path`), each
    /// with its file name: what `audit verify --log` sends for checking.
    public static func segmentsOfLog(at path: String) -> [(name: String, contents: [UInt8])] {
        AuditSegments(path: path).all().map { ($0.name, AuditSegments.contents(of: $0.path)) }
    }

    /// Why appends are refused right now (a failed write not yet recovered), for `operator status`.
    public var failure: String? {
        state.withLock { $0.failure.map { "\($0)" } }
    }

    /// Appends one entry; returns when it is written (and fsynced if `sync`).
    /// Throws, and the operation must be refused, if it cannot be.
    public func append(_ entry: AuditEntry, sync: Bool = false) async throws {
        try await append(contentsOf: [entry], sync: sync)
    }

    /// Appends entries as one write, in order; returns when all are written.
    /// Refusals of callers without identity beyond the ``AnonymousRefusalLimiter``'s
    /// budget are counted instead of written.
    public func append(contentsOf entries: [AuditEntry], sync: Bool = false) async throws {
        guard !entries.isEmpty else { return }
        let needsSync = sync || mode == .everyRequest
        let now = ContinuousClock.now
        let (ticket, leader) = try state.withLock { state throws(AuditLogError) -> (UInt64, Bool) in
            if let failure = state.failure {
                // A failed write is tried again once per retry interval (refused in between without
                // touching the disk); a segment changed under the server is never written to again.
                guard case .unwritable = failure, let failedAt = state.failedAt, now - failedAt >= retryInterval, !state.writing else {
                    throw failure
                }
                state.failure = nil
                state.failedAt = nil
            }
            var entries = entries
            if entries.contains(where: AnonymousRefusalLimiter.applies) {
                var admitted: [AuditEntry] = []
                for entry in entries {
                    if AnonymousRefusalLimiter.applies(to: entry) {
                        guard state.anonymous.admit(now: now) else { continue }
                        if let summary = state.anonymous.summary(time: entry.time) { admitted.append(summary) }
                    }
                    admitted.append(entry)
                }
                entries = admitted
                if entries.isEmpty { return (0, false) }  // counted, to be written in the next summary
            }
            guard var chain = state.chain else {
                // Sealed: refusals are kept and chained at the next unseal, so they are
                // audited too; anything else cannot happen while sealed and is refused.
                guard entries.allSatisfy({ $0.outcome != .success }) else { throw .sealed }
                let room = max(0, Self.sealedBacklogLimit - state.sealedBacklog.count)
                state.sealedBacklog += entries.prefix(room)
                state.sealedBacklogDropped += max(0, entries.count - room)
                return (0, false)
            }
            var lines: [UInt8] = []
            for var entry in entries {
                entry.node = node
                do { lines += try AuditLogFormat.line(chain.seal(entry)) } catch { throw .unwritable("cannot encode an entry") }
            }
            state.chain = chain
            state.pendingHead = chain.head
            state.pending += lines
            state.pendingNeedsSync = state.pendingNeedsSync || needsSync
            state.lastTicket += 1
            let leader = !state.writing
            state.writing = true
            return (state.lastTicket, leader)
        }
        wake.continuation.yield()
        if ticket == 0 { return }  // counted, or held in the sealed backlog
        if leader { await flush() }
        // The leader of an unsynced group has usually written its own line by now: answer
        // without a continuation, whose resumption would cost a task switch per request.
        if let settled = state.withLock({ Self.settled($0, ticket: ticket, needsSync: needsSync) }) { return try settled.get() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            state.withLock { state in
                switch Self.settled(state, ticket: ticket, needsSync: needsSync) {
                case .failure(let error): continuation.resume(throwing: error)
                case .success: continuation.resume()
                case nil: state.waiters.append(Waiter(ticket: ticket, needsSync: needsSync, continuation: continuation))
                }
            }
        }
    }

    /// Writes the count of anonymous refusals not written one by one, if any.
    public func flushAnonymousRefusals() async {
        let summary = state.withLock { state in state.chain == nil ? nil : state.anonymous.summary(time: Date()) }
        guard let summary else { return }
        // The summary itself is not limited (it carries a count); a failed write is retried with the next one.
        if (try? await append(summary)) == nil {
            state.withLock { $0.anonymous.recount(summary.count ?? 0) }
        }
    }

    /// How an append with `ticket` ended, or nil while its line still waits to be written (or synced).
    private static func settled(_ state: borrowing State, ticket: UInt64, needsSync: Bool) -> Result<Void, AuditLogError>? {
        state.settled(ticket: ticket, needsSync: needsSync)
    }

    /// Writes everything queued, in batches, until the queue is empty.
    private func flush() async {
        while true {
            var orphans: [CheckedContinuation<Void, any Error>] = []
            let batch = state.withLock { state -> (bytes: [UInt8], ticket: UInt64, sync: Bool, head: AuditHead?, file: AuditSegmentFile, size: Int)? in
                guard !state.pending.isEmpty, state.failure == nil else {
                    state.writing = false
                    if let failure = state.failure {
                        // Nobody will write for them: every waiter learns of the failure now, and the
                        // entries queued behind the failed write (chained after it) are dropped with it.
                        orphans = state.waiters.map(\.continuation)
                        state.waiters = []
                        state.pending = []
                        state.pendingNeedsSync = false
                        if state.lastTicket > state.writtenTicket {
                            state.failedTickets.append((state.writtenTicket + 1)...state.lastTicket)
                            if state.failedTickets.count > 4096 { state.failedTickets.removeFirst() }
                        }
                        _ = failure
                        if let written = state.writtenHead {
                            state.chain?.rewind(to: written)
                            state.pendingHead = written
                        }
                    }
                    return nil
                }
                defer {
                    state.pending = []
                    state.pendingNeedsSync = false
                }
                return (state.pending, state.lastTicket, state.pendingNeedsSync, state.pendingHead, state.file, state.fileSize)
            }
            guard let batch else {
                let failure = state.withLock { $0.failure } ?? .unwritable("audit log failed")
                for continuation in orphans { continuation.resume(throwing: failure) }
                return
            }
            let result: AuditLogError?
            if batch.sync {
                // fsync takes ~100 us: off the cooperative pool.
                result = await Self.blocking { Self.write(batch.bytes, to: batch.file, size: batch.size, sync: true) }
            } else {
                // A write into the page cache takes microseconds: a thread hop would cost more.
                result = Self.write(batch.bytes, to: batch.file, size: batch.size, sync: false)
            }
            let (ready, rotate) = state.withLock { state -> ([(CheckedContinuation<Void, any Error>, (any Error)?)], Bool) in
                if let result {
                    state.failure = result
                    state.failedAt = .now
                } else {
                    state.writtenTicket = batch.ticket
                    state.writtenHead = batch.head
                    state.fileSize += batch.bytes.count
                    if batch.sync {
                        state.syncedTicket = batch.ticket
                        state.syncedHead = batch.head
                    }
                }
                var ready: [(CheckedContinuation<Void, any Error>, (any Error)?)] = []
                let waiters = state.waiters
                state.waiters = []
                for waiter in waiters {
                    switch Self.settled(state, ticket: waiter.ticket, needsSync: waiter.needsSync) {
                    case nil: state.waiters.append(waiter)
                    case .success: ready.append((waiter.continuation, nil))
                    case .failure(let error): ready.append((waiter.continuation, error))
                    }
                }
                let rotate = result == nil && state.fileSize >= segmentBytes && state.readers == 0 && !state.rotating
                if rotate { state.rotating = true }
                return (ready, rotate)
            }
            // A durable entry (a key-state change) also moves the checkpoint before anyone is answered.
            if batch.sync && result == nil { await checkpointHead() }
            for (continuation, error) in ready {
                if let error { continuation.resume(throwing: error) } else { continuation.resume() }
            }
            if rotate { await rotateSegment() }
        }
    }

    /// Writes `bytes` at the end of `file`, whose good length is `size`; a
    /// write cut short (a full disk) is cut back off, so the file never holds
    /// half an entry that a later write would follow. Nil, or why it failed.
    ///
    /// The segment must be exactly as this server left it: a file cut,
    /// regrown or replaced while the server runs (the attack of cutting the
    /// log and letting requests refill it) is refused as a broken chain, and
    /// the log takes no more entries. Only a write of ours that failed half
    /// way and could not be cut back at once is cut back here.
    private static func write(_ bytes: [UInt8], to file: AuditSegmentFile, size: Int, sync: Bool) -> AuditLogError? {
        guard file.isStillAtItsPath else {
            return .chainBroken("the open segment was deleted, renamed or replaced while the server ran")
        }
        guard let actual = file.size else { return .unwritable("cannot read the audit log's size: \(String(cString: strerror(errno)))") }
        if actual != size {
            guard actual > size, file.hasUncutWrite else {
                return .chainBroken("the open segment is \(actual) bytes where this server wrote \(size): it was changed by someone else")
            }
            if let error = file.truncate(to: size) { return .unwritable(error) }
            file.hasUncutWrite = false
        }
        if let error = file.append(bytes) {
            if file.truncate(to: size) != nil { file.hasUncutWrite = true }
            return .unwritable(error)
        }
        if sync, let error = file.sync() {
            // Its callers are refused: the entries must not stay in the file either.
            if file.truncate(to: size) != nil { file.hasUncutWrite = true }
            return .unwritable(error)
        }
        return nil
    }

    /// Closes the open segment under its first sequence's name and opens a
    /// new one. Runs only while this flush is the writer and nobody reads.
    private func rotateSegment() async {
        let (file, first, next) = state.withLock { ($0.file, $0.fileFirstSequence, ($0.writtenHead?.sequence ?? 0) + 1) }
        let path = path
        let closed = segments.closedPath(firstSequence: first)
        let opened = await Self.blocking { () -> Result<AuditSegmentFile, AuditLogError> in
            // Durable before it is renamed: a closed segment is never written again.
            if let error = file.sync() { return .failure(.unwritable(error)) }
            guard rename(path, closed) == 0 else { return .failure(.unwritable("cannot close segment: \(String(cString: strerror(errno)))")) }
            do throws(AuditLogError) {
                let opened = try AuditSegmentFile(path: path)
                // Both names durable (the closed segment's and the new one's) before anything is written to the new one.
                let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if directory >= 0 {
                    _ = fsync(directory)
                    close(directory)
                }
                return .success(opened)
            } catch {
                // Put the segment back: it stays the open one, and the next rotation tries again.
                _ = rename(closed, path)
                return .failure(error)
            }
        }
        state.withLock { state in
            state.rotating = false
            switch opened {
            case .success(let file):
                state.file = file
                state.fileSize = 0
                state.fileFirstSequence = next
            case .failure:
                // The old segment stays open: nothing is lost, and the next rotation tries again.
                break
            }
        }
    }

    /// Runs `body` on the audit reading thread (segments are read whole, up to
    /// ``segmentBytes`` each) with the segments as they are: none is closed while it reads.
    func withStableSegments<Result: Sendable>(_ body: @escaping @Sendable (AuditLogReader) -> Result) async -> Result {
        while !state.withLock({ state in
            guard !state.rotating else { return false }
            state.readers += 1
            return true
        }) {
            try? await Task.sleep(for: .milliseconds(1))
        }
        defer { state.withLock { $0.readers -= 1 } }
        let reader = AuditLogReader(segments: segments, openFirstSequence: state.withLock { $0.fileFirstSequence })
        return await Self.reading { body(reader) }
    }

    /// One thread of its own for reading segments (verify, pages, the unseal
    /// check): a long `audit verify` must not hold the shared thread pool that
    /// SQLite and the audit fsyncs use.
    private static let readingThread: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    private static func reading<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            readingThread.submit { _ in continuation.resume(returning: body()) }
        }
    }

    /// Entries from `sequence` on, at most `limit`, reading only the segments that hold them.
    public func entries(from sequence: UInt64, limit: Int) async -> [AuditEntry] {
        await withStableSegments { $0.page(from: sequence, limit: limit) }
    }

    /// The newest entry that is on disk for certain (written and fsynced): as
    /// far as an audit stream may send, so a SIEM never holds an entry a
    /// power cut could take back out of the local chain. Nil while the chain is closed.
    public var durableSequence: UInt64? { state.withLock { $0.chain == nil ? nil : $0.syncedHead?.sequence } }

    /// Up to `limit` entries from `tail`'s next sequence through `last`, and the tail moved past them.
    package func read(_ tail: AuditLogTail, through last: UInt64, limit: Int) async -> (AuditLogTail, [AuditLogTail.Line]) {
        let segments = self.segments
        // The open segment's first sequence as read once no rotation can run: it names the segment the tail's offset is in.
        return await withStableSegments { reader in
            var moved = tail
            let lines = moved.read(segments, openFirstSequence: reader.openFirstSequence ?? 1, through: last, limit: limit)
            return (moved, lines)
        }
    }

    /// Verifies every segment of the log, and that it reaches `checkpoint` unchanged.
    public func verify(masterKey: MasterKey, checkpoint: AuditHead?) async -> AuditLogVerification {
        await withStableSegments { $0.verify(masterKey: masterKey, checkpoint: checkpoint) }
    }

    /// Where the checkpoint goes: the server stores it in sealed storage, so
    /// entries cut off the end of the log are noticed at unseal and by verify.
    public func setCheckpoint(stored: AuditHead?, _ store: (@Sendable (AuditHead) async throws -> Void)?) {
        state.withLock { state in
            state.checkpoint = store
            state.checkpointedHead = stored
        }
        // The checkpoint may be behind the log (a crash): the loop catches it up without waiting for an append.
        wake.continuation.yield()
    }

    /// Stores the head of what is fsynced, if it moved. A failure to store it
    /// is not an audit failure: the entries themselves are written.
    public func checkpointHead() async {
        // One store at a time, each with the newest head: the stored checkpoint only moves forward.
        _ = try? await checkpointLock.withLock(0) {
            let (head, store) = state.withLock { state -> (AuditHead?, (@Sendable (AuditHead) async throws -> Void)?) in
                guard let head = state.syncedHead, head.sequence > state.checkpointedHead?.sequence ?? 0 else { return (nil, nil) }
                return (head, state.checkpoint)
            }
            guard let head, let store else { return }
            if (try? await store(head)) != nil {
                state.withLock { state in
                    if (state.checkpointedHead?.sequence ?? 0) < head.sequence { state.checkpointedHead = head }
                }
            }
        }
    }

    private let checkpointLock = KeyedAsyncLock<Int>()

    /// fsyncs what was written but not yet synced.
    public func syncNow() async {
        let target = state.withLock { $0.writtenTicket > $0.syncedTicket && $0.failure == nil ? ($0.writtenTicket, $0.writtenHead, $0.file) : nil }
        guard let (ticket, head, file) = target else { return }
        let error = await Self.blocking { file.sync() }
        let orphans = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard let error else {
                if ticket > state.syncedTicket {
                    state.syncedTicket = ticket
                    state.syncedHead = head
                }
                return []
            }
            state.failure = .unwritable(error)
            state.failedAt = .now
            // Only waiters nobody is writing for; a running flush fails its own.
            guard !state.writing else { return [] }
            defer { state.waiters = [] }
            return state.waiters.map(\.continuation)
        }
        for continuation in orphans { continuation.resume(throwing: AuditLogError.unwritable(error ?? "fsync failed")) }
    }

    /// The periodic fsync, run by the service group; a last fsync on shutdown.
    /// Once a second it also moves the checkpoint and writes the count of
    /// anonymous refusals that were not written one by one.
    /// Idle (nothing written since the last fsync, the checkpoint caught up,
    /// no refusal counted) it sleeps until the next append, so an idle server
    /// does not wake every ``syncInterval``.
    public func run() async throws {
        var lastCheckpoint = ContinuousClock.now
        var woken = wake.stream.makeAsyncIterator()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if isIdle {
                let wake = wake.continuation
                await withGracefulShutdownHandler {
                    _ = await woken.next()
                } onGracefulShutdown: {
                    wake.yield()
                }
                continue
            }
            try? await Task.sleep(for: syncInterval)
            await syncNow()
            if ContinuousClock.now - lastCheckpoint >= .seconds(1) {
                await flushAnonymousRefusals()
                await checkpointHead()
                lastCheckpoint = ContinuousClock.now
            }
        }
        await flushAnonymousRefusals()
        await syncNow()
        await checkpointHead()
    }

    /// Nothing for ``run()`` to do until the next append.
    private var isIdle: Bool {
        state.withLock { state in
            state.pending.isEmpty && !state.writing && state.writtenTicket == state.syncedTicket && state.failure == nil
                && state.anonymous.suppressed == 0
                && (state.checkpoint == nil || (state.syncedHead?.sequence ?? 0) <= (state.checkpointedHead?.sequence ?? 0))
        }
    }

    /// The open segment as stored (tests and tools; readers use ``entries(from:limit:)``).
    public func readAll() throws -> [UInt8] {
        AuditSegments.contents(of: path)
    }

    /// Runs blocking file I/O off the cooperative pool.
    private static func blocking<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            NIOThreadPool.singleton.submit { _ in continuation.resume(returning: body()) }
        }
    }
}
