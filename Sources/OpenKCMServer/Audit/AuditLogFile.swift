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

/// The audit log on disk: JSON lines, hash-chained and MACed by ``AuditChain``.
///
/// Fail-closed and grouped: ``append(_:sync:)`` returns only once its line is
/// written out of the process (a `kill -9` then loses no answered entry), and,
/// when `sync` is set or the mode is ``SyncMode/everyRequest``, fsynced too.
/// Concurrent appends share one `write` and one `fsync` (group commit): the
/// first caller writes for everyone queued behind it. Otherwise the file is
/// fsynced at most ``syncInterval`` after a write, by ``run()``. Once a write
/// fails the log refuses every later append: the chain must not skip entries.
public final class AuditLogFile: Service, Sendable {
    public enum SyncMode: String, Sendable, CaseIterable {
        /// Answer after `write`; fsync in groups at most every ``syncInterval``, and before any `sync` append returns.
        case group
        /// fsync before every answer.
        case everyRequest = "every-request"
    }

    public let path: String
    public let mode: SyncMode
    public let syncInterval: Duration
    private let descriptor: Int32

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
        var failure: String?
        /// The chain head after the queued entries, and after the written ones.
        var pendingHead: AuditHead?
        var writtenHead: AuditHead?
        var checkpointedHead: AuditHead?
        var checkpoint: (@Sendable (AuditHead) async throws -> Void)?
        /// Refusals made while sealed (no audit key yet), chained at the next unseal.
        /// The store generation the log last recorded, see ``loggedStoreGeneration``.
        var loggedStoreGeneration: UInt64?
        var sealedBacklog: [AuditEntry] = []
        var sealedBacklogDropped = 0
    }

    /// At most this many refusals are held while sealed; beyond it they are counted.
    public static let sealedBacklogLimit = 10_000

    private let state = Mutex(State())

    /// Opens (creating with mode 0600) the log at `path`.
    public init(path: String, mode: SyncMode = .group, syncInterval: Duration = .milliseconds(10)) throws {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw AuditLogError.unwritable("cannot open \(path): \(String(cString: strerror(errno)))") }
        self.descriptor = descriptor
        self.path = path
        self.mode = mode
        self.syncInterval = syncInterval
    }

    deinit {
        close(descriptor)
    }

    /// Starts accepting entries: the chain continues after the last complete
    /// line (a partial last line, never acknowledged, is cut off).
    public func openChain(masterKey: MasterKey) throws {
        let contents = try readAll()
        let lines = AuditLogFormat.lines(contents)
        let complete = lines.last.map { $0.endIndex + 1 } ?? 0
        if complete < contents.count { guard ftruncate(descriptor, off_t(complete)) == 0 else {
            throw AuditLogError.unwritable("cannot cut the partial last line: \(String(cString: strerror(errno)))")
        } }
        let logged = try Self.lastStoreGeneration(in: lines, masterKey: masterKey)
        var head = AuditHead.genesis
        if let last = lines.last {
            let entry = try AuditLogFormat.entry(last)
            guard entry.sequence >= 1 else { throw AuditLogError.chainBroken("the last entry has sequence 0") }
            var probe = AuditChain(masterKey: masterKey, head: AuditHead(sequence: entry.sequence - 1, hash: entry.previousHash))
            let resealed = probe.seal(entry)
            guard resealed.mac == entry.mac else { throw AuditLogError.chainBroken("the last entry does not verify under this MasterKey") }
            head = probe.head
        }
        let backlog = state.withLock { state -> [AuditEntry] in
            state.chain = AuditChain(masterKey: masterKey, head: head)
            state.writtenHead = head
            state.loggedStoreGeneration = logged
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
    public static let storeGenerationOperations: Set<String> = ["barrier.open", "barrier.seal"]

    /// The store generation the log recorded last (read by ``openChain(masterKey:)``,
    /// its MAC checked). The store is outside the log: a store older than this
    /// was rolled back as a whole, which its own index cannot see.
    public var loggedStoreGeneration: UInt64? { state.withLock { $0.loggedStoreGeneration } }

    /// The newest store generation entry, searched from the end; lines that
    /// cannot hold one are skipped without parsing.
    private static func lastStoreGeneration(in lines: [ArraySlice<UInt8>], masterKey: MasterKey) throws -> UInt64? {
        let marker = Array("\"barrier.".utf8)
        for line in lines.reversed() where contains(line, marker) {
            guard let entry = try? AuditLogFormat.entry(line), storeGenerationOperations.contains(entry.operation),
                  let generation = entry.count, entry.sequence >= 1 else { continue }
            var probe = AuditChain(masterKey: masterKey, head: AuditHead(sequence: entry.sequence - 1, hash: entry.previousHash))
            guard probe.seal(entry).mac == entry.mac else {
                throw AuditLogError.chainBroken("entry \(entry.sequence) (the store generation) does not verify under this MasterKey")
            }
            return generation
        }
        return nil
    }

    private static func contains(_ line: ArraySlice<UInt8>, _ marker: [UInt8]) -> Bool {
        guard line.count >= marker.count else { return false }
        var index = line.startIndex
        while index <= line.endIndex - marker.count {
            if line[index] == marker[0], line[index..<(index + marker.count)].elementsEqual(marker) { return true }
            index += 1
        }
        return false
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

    /// Appends one entry; returns when it is written (and fsynced if `sync`).
    /// Throws, and the operation must be refused, if it cannot be.
    public func append(_ entry: AuditEntry, sync: Bool = false) async throws {
        try await append(contentsOf: [entry], sync: sync)
    }

    /// Appends entries as one write, in order; returns when all are written.
    public func append(contentsOf entries: [AuditEntry], sync: Bool = false) async throws {
        guard !entries.isEmpty else { return }
        let needsSync = sync || mode == .everyRequest
        let (ticket, leader) = try state.withLock { state throws(AuditLogError) -> (UInt64, Bool) in
            if let failure = state.failure { throw .unwritable(failure) }
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
            for entry in entries {
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
        if ticket == 0 { return }  // held in the sealed backlog
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

    /// How an append with `ticket` ended, or nil while its line still waits to be written (or synced).
    private static func settled(_ state: borrowing State, ticket: UInt64, needsSync: Bool) -> Result<Void, AuditLogError>? {
        if let failure = state.failure, state.writtenTicket < ticket || (needsSync && state.syncedTicket < ticket) {
            return .failure(.unwritable(failure))
        }
        if state.writtenTicket >= ticket && (!needsSync || state.syncedTicket >= ticket) { return .success(()) }
        return nil
    }

    /// Writes everything queued, in batches, until the queue is empty.
    private func flush() async {
        while true {
            var orphans: [CheckedContinuation<Void, any Error>] = []
            let batch = state.withLock { state -> (bytes: [UInt8], ticket: UInt64, sync: Bool, head: AuditHead?)? in
                guard !state.pending.isEmpty, state.failure == nil else {
                    state.writing = false
                    if state.failure != nil {
                        // Nobody will write for them: every waiter learns of the failure now.
                        orphans = state.waiters.map(\.continuation)
                        state.waiters = []
                        state.pending = []
                    }
                    return nil
                }
                defer {
                    state.pending = []
                    state.pendingNeedsSync = false
                }
                return (state.pending, state.lastTicket, state.pendingNeedsSync, state.pendingHead)
            }
            guard let batch else {
                let failure = state.withLock { $0.failure } ?? "audit log failed"
                for continuation in orphans { continuation.resume(throwing: AuditLogError.unwritable(failure)) }
                return
            }
            let descriptor = self.descriptor
            let result: String?
            if batch.sync {
                // fsync takes ~100 us: off the cooperative pool.
                result = await Self.blocking {
                    if let error = Self.writeAll(descriptor, batch.bytes) { return error }
                    if fsync(descriptor) != 0 { return "fsync failed: \(String(cString: strerror(errno)))" }
                    return nil
                }
            } else {
                // A write into the page cache takes microseconds: a thread hop would cost more.
                result = Self.writeAll(descriptor, batch.bytes)
            }
            let ready = state.withLock { state -> [(CheckedContinuation<Void, any Error>, (any Error)?)] in
                if let result {
                    state.failure = result
                } else {
                    state.writtenTicket = batch.ticket
                    state.writtenHead = batch.head
                    if batch.sync { state.syncedTicket = batch.ticket }
                }
                var ready: [(CheckedContinuation<Void, any Error>, (any Error)?)] = []
                state.waiters.removeAll { waiter in
                    if let failure = state.failure {
                        ready.append((waiter.continuation, AuditLogError.unwritable(failure)))
                        return true
                    }
                    guard state.writtenTicket >= waiter.ticket, !waiter.needsSync || state.syncedTicket >= waiter.ticket else { return false }
                    ready.append((waiter.continuation, nil))
                    return true
                }
                return ready
            }
            // A durable entry (a key-state change) also moves the checkpoint before anyone is answered.
            if batch.sync && result == nil { await checkpointHead() }
            for (continuation, error) in ready {
                if let error { continuation.resume(throwing: error) } else { continuation.resume() }
            }
        }
    }

    /// Where the checkpoint goes: the server stores it in sealed storage, so
    /// entries cut off the end of the log are noticed by ``AuditVerifier``.
    public func setCheckpoint(stored: AuditHead?, _ store: (@Sendable (AuditHead) async throws -> Void)?) {
        state.withLock { state in
            state.checkpoint = store
            state.checkpointedHead = stored
        }
    }

    /// Stores the head of what is written, if it moved. A failure to store it
    /// is not an audit failure: the entries themselves are written.
    public func checkpointHead() async {
        // One store at a time, each with the newest head: the stored checkpoint only moves forward.
        _ = try? await checkpointLock.withLock(0) {
            let (head, store) = state.withLock { state -> (AuditHead?, (@Sendable (AuditHead) async throws -> Void)?) in
                guard let head = state.writtenHead, head.sequence > state.checkpointedHead?.sequence ?? 0 else { return (nil, nil) }
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
        let target = state.withLock { $0.writtenTicket > $0.syncedTicket && $0.failure == nil ? $0.writtenTicket : nil }
        guard let target else { return }
        let descriptor = self.descriptor
        let failed = await Self.blocking { fsync(descriptor) != 0 }
        let orphans = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard failed else {
                state.syncedTicket = max(state.syncedTicket, target)
                return []
            }
            state.failure = "fsync failed"
            // Only waiters nobody is writing for; a running flush fails its own.
            guard !state.writing else { return [] }
            defer { state.waiters = [] }
            return state.waiters.map(\.continuation)
        }
        for continuation in orphans { continuation.resume(throwing: AuditLogError.unwritable("fsync failed")) }
    }

    /// The periodic fsync, run by the service group; a last fsync on shutdown.
    public func run() async throws {
        var lastCheckpoint = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: syncInterval)
            await syncNow()
            if ContinuousClock.now - lastCheckpoint >= .seconds(1) {
                await checkpointHead()
                lastCheckpoint = ContinuousClock.now
            }
        }
        await syncNow()
        await checkpointHead()
    }

    /// The whole log as stored.
    public func readAll() throws -> [UInt8] {
        // Only a regular file has a log to read (a device such as /dev/full does not).
        guard (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular,
            let data = FileManager.default.contents(atPath: path)
        else { return [] }
        return Array(data)
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> String? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)  // safe: non-empty, offset < count
            }
            if written < 0 {
                if errno == EINTR { continue }
                return "write failed: \(String(cString: strerror(errno)))"
            }
            offset += written
        }
        return nil
    }

    /// Runs blocking file I/O off the cooperative pool.
    private static func blocking<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            NIOThreadPool.singleton.submit { _ in continuation.resume(returning: body()) }
        }
    }
}

/// Why the audit log refused an entry. Any of these refuses the operation.
public enum AuditLogError: OpenKCMError, Equatable {
    case sealed
    case unwritable(String)
    case chainBroken(String)

    public var code: String {
        switch self {
        case .sealed: "audit.sealed"
        case .unwritable: "audit.unwritable"
        case .chainBroken: "audit.chain_broken"
        }
    }

    public var description: String {
        switch self {
        case .sealed: "the audit log is closed while the server is sealed"
        case .unwritable(let reason): "the audit log cannot be written (\(reason)); operations are refused"
        case .chainBroken(let reason): "the audit log's chain is broken: \(reason)"
        }
    }
}
