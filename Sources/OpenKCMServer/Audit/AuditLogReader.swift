import OpenKCMCore

/// Reads the audit log across its segments, one segment in memory at a time:
/// pages of entries, the whole chain's verification, and the check made at
/// every unseal that the log still holds the entry the sealed checkpoint names.
struct AuditLogReader: Sendable {
    let segments: AuditSegments
    /// The open segment's first sequence, when the log knows it: a page that
    /// starts there skips the closed segments.
    var openFirstSequence: UInt64? = nil

    /// Entries from `sequence` on, at most `limit`: the reading starts at the
    /// closed segment that holds `sequence`, not at the start of the log.
    func page(from sequence: UInt64, limit: Int) -> [AuditEntry] {
        let all = segments.all()
        let start = all.lastIndex { ($0.firstSequence ?? openFirstSequence ?? UInt64.max) <= sequence } ?? 0
        var entries: [AuditEntry] = []
        for segment in all[start...] {
            let bytes = AuditSegments.contents(of: segment.path)
            for line in AuditLogFormat.lines(bytes) {
                guard let claimed = AuditLogFormat.sequence(of: line), claimed >= sequence,
                    let entry = try? AuditLogFormat.entry(line)
                else { continue }
                entries.append(entry)
                if entries.count >= limit { return entries }
            }
        }
        return entries
    }

    /// Verifies every segment from the first entry on, and that the log
    /// reaches `checkpoint` unchanged.
    func verify(masterKey: MasterKey, checkpoint: AuditHead?) -> AuditLogVerification {
        var check = AuditChainCheck(masterKey: masterKey, checkpoint: checkpoint)
        var last: (segment: String, line: Int) = (segments.all().last?.name ?? "", 0)
        for segment in segments.all() {
            let lines = AuditLogFormat.lines(AuditSegments.contents(of: segment.path))
            for (index, line) in lines.enumerated() {
                let entry: AuditEntry
                do { entry = try AuditLogFormat.entry(line) } catch {
                    return AuditLogVerification(.broken(position: index + 1, sequence: AuditLogFormat.sequence(of: line) ?? 0, reason: .unreadable),
                                                segment: segment.name)
                }
                if let reason = check.check(entry) {
                    return AuditLogVerification(.broken(position: index + 1, sequence: entry.sequence, reason: reason), segment: segment.name)
                }
            }
            last = (segment.name, lines.count)
        }
        if let reason = check.finish() {
            return AuditLogVerification(.broken(position: last.line + 1, sequence: check.head.sequence + 1, reason: reason), segment: last.segment)
        }
        return AuditLogVerification(.intact(entries: check.checked, head: check.head), segment: nil)
    }

    /// The chain's head on disk, checked against `checkpoint` at unseal.
    ///
    /// The segment holding the checkpoint's entry and everything after it are
    /// verified in full, starting one segment earlier so that the link into
    /// them is checked too: the checkpoint's entry must be there unchanged
    /// (not cut off, not regrown after a cut, not another server's), and no
    /// entry after it may be missing, edited or out of place. Without a
    /// checkpoint (a log that never stored one) the open segment and the one
    /// before it are checked the same way. The cost is bounded by three
    /// segments, whatever the log's length; `audit verify` checks all of it.
    /// Throws ``AuditLogError/chainBroken(_:)`` naming the segment and line.
    func head(masterKey: MasterKey, checkpoint: AuditHead?) throws(AuditLogError) -> AuditHead {
        let all = segments.all()
        let checkpoint = checkpoint.flatMap { $0.sequence > 0 ? $0 : nil }
        let anchor = checkpoint.map { checkpoint in all.lastIndex { ($0.firstSequence ?? UInt64.max) <= checkpoint.sequence } ?? all.count - 1 }
            ?? all.count - 1
        var check: AuditChainCheck?
        var reachedCheckpoint = false
        for segment in all[max(0, anchor - 1)...] {
            for (index, line) in AuditLogFormat.lines(AuditSegments.contents(of: segment.path)).enumerated() {
                guard let entry = try? AuditLogFormat.entry(line), entry.sequence >= 1 else {
                    throw .chainBroken("\(segment.name) line \(index + 1): not an audit entry")
                }
                if check == nil {
                    // What comes before the first entry checked here was checked when it was written.
                    check = AuditChainCheck(masterKey: masterKey, checkpoint: checkpoint,
                                            after: AuditHead(sequence: entry.sequence - 1, hash: entry.previousHash))
                }
                if let reason = check?.check(entry) {
                    throw .chainBroken("\(segment.name) line \(index + 1), sequence \(entry.sequence): \(reason)")
                }
                if entry.sequence == checkpoint?.sequence { reachedCheckpoint = true }
            }
        }
        if let checkpoint, !reachedCheckpoint {
            throw .chainBroken(
                "the log no longer holds entry \(checkpoint.sequence), the last one the sealed checkpoint recorded (entries removed from the end, a segment deleted, or the log replaced)")
        }
        return check?.head ?? .genesis
    }

    /// The store generation the log recorded last: the `count` of the newest
    /// entry among `operations` (the server writes one at every unseal and
    /// seal), its MAC checked. Segments are searched from the newest; lines
    /// that cannot hold one are skipped without parsing.
    func lastStoreGeneration(masterKey: MasterKey, operations: Set<String>) throws(AuditLogError) -> UInt64? {
        try lastStoreGenerationEntry(masterKey: masterKey, operations: operations)?.count
    }

    /// The last entry of `operations` that carries a store generation, its MAC checked.
    func lastStoreGenerationEntry(masterKey: MasterKey, operations: Set<String>) throws(AuditLogError) -> AuditEntry? {
        let marker = Array("\"barrier.".utf8)
        for segment in segments.all().reversed() {
            for line in AuditLogFormat.lines(AuditSegments.contents(of: segment.path)).reversed() where Self.contains(line, marker) {
                guard let entry = try? AuditLogFormat.entry(line), operations.contains(entry.operation),
                      let generation = entry.count, entry.sequence >= 1 else { continue }
                var check = AuditChainCheck(masterKey: masterKey, checkpoint: nil,
                                            after: AuditHead(sequence: entry.sequence - 1, hash: entry.previousHash))
                if check.check(entry) != nil {
                    throw .chainBroken("\(segment.name): entry \(entry.sequence) (the store generation) does not verify under this MasterKey")
                }
                _ = generation
                return entry
            }
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
}
