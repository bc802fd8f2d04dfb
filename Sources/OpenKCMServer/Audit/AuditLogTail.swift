import Foundation
public import OpenKCMCore

/// Reads the audit log forward from one sequence number for an audit stream,
/// remembering the byte offset where the last read stopped, so a stream that
/// follows the log reads each line once instead of a whole segment (up to
/// 64 MiB) every time it looks.
///
/// Segments are named by their first sequence (``AuditSegments``), so the
/// remembered offset stays valid when the open segment is closed and renamed
/// under the reader.
package struct AuditLogTail: Sendable {
    /// One entry read, with its stored line (no newline): what a sink sends.
    package struct Line: Sendable {
        package let entry: AuditEntry
        package let bytes: [UInt8]
    }

    /// The next sequence to read.
    package private(set) var next: UInt64
    /// The segment (by first sequence) and offset just past the last line read.
    private var segmentFirst: UInt64?
    private var offset = 0
    /// How much of a segment one look reads at most.
    static let chunkBytes = 1 << 20

    package init(from next: UInt64) {
        self.next = max(next, 1)
    }

    /// Starts again at `sequence` (after a sink lost what it was sent).
    package mutating func rewind(to sequence: UInt64) {
        guard sequence != next else { return }
        next = max(sequence, 1)
        segmentFirst = nil
        offset = 0
    }

    /// Up to `limit` entries from ``next`` through `last`, in order.
    /// - Parameter openFirstSequence: the open segment's first sequence, as the log knows it.
    mutating func read(_ segments: AuditSegments, openFirstSequence: UInt64, through last: UInt64, limit: Int) -> [Line] {
        var lines: [Line] = []
        let all = segments.all()
        func first(_ segment: AuditSegments.Segment) -> UInt64 { segment.firstSequence ?? openFirstSequence }
        var index = all.lastIndex { first($0) <= next } ?? 0
        while lines.count < limit, next <= last, index < all.count {
            let segment = all[index]
            let start = segmentFirst == first(segment) ? offset : 0
            guard let handle = FileHandle(forReadingAtPath: segment.path) else { break }
            let chunk: [UInt8]
            do {
                try handle.seek(toOffset: UInt64(start))
                chunk = Array(try handle.read(upToCount: Self.chunkBytes) ?? Data())
            } catch {
                try? handle.close()
                break
            }
            try? handle.close()
            var consumed = 0
            var lineStart = 0
            var stop = false
            for position in chunk.indices where chunk[position] == 0x0A {
                let line = Array(chunk[lineStart..<position])
                lineStart = position + 1
                guard let sequence = AuditLogFormat.sequence(of: line) else {
                    consumed = lineStart
                    continue
                }
                if sequence < next {
                    consumed = lineStart
                    continue
                }
                if sequence > last {
                    stop = true
                    break
                }
                consumed = lineStart
                // A line the chain cannot read is the verifier's to report; the stream goes on past it.
                guard let entry = try? AuditLogFormat.entry(line) else { continue }
                lines.append(Line(entry: entry, bytes: line))
                next = sequence + 1
                if lines.count >= limit {
                    stop = true
                    break
                }
            }
            segmentFirst = first(segment)
            offset = start + consumed
            if stop { break }
            if chunk.count < Self.chunkBytes {
                // The end of this segment: on to the next, or wait for more in the open one.
                guard index + 1 < all.count else { break }
                index += 1
            } else if consumed == 0 {
                break  // a line longer than a chunk: not one the log writes
            }
        }
        return lines
    }
}
