import Foundation

/// Where the audit log's segments are: the open one at `path`, the closed
/// ones beside it as `<path>.<first sequence, 20 digits>`, so that their names
/// sort in log order and a reader finds the segment holding an entry by name.
/// Segments chain into one log: the first entry of each links to the last
/// entry of the one before, so a segment removed, replaced or reordered breaks
/// the chain like any entry would.
struct AuditSegments: Sendable {
    /// The open segment.
    let path: String

    /// One segment file and, for a closed one, its first entry's sequence.
    struct Segment: Sendable, Hashable {
        let path: String
        /// Nil for the open segment (its first sequence is in its first line).
        let firstSequence: UInt64?
        /// The file name, for messages.
        var name: String { (path as NSString).lastPathComponent }
    }

    /// The path a closed segment starting at `firstSequence` gets.
    func closedPath(firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return path + "." + String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// The closed segments in log order, then the open one.
    func all() -> [Segment] {
        let directory = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + "."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
        var closed: [Segment] = []
        for name in names where name.hasPrefix(prefix) {
            let suffix = name.dropFirst(prefix.count)
            guard suffix.count == 20, suffix.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let first = UInt64(suffix) else { continue }
            closed.append(Segment(path: (directory as NSString).appendingPathComponent(name), firstSequence: first))
        }
        closed.sort { $0.firstSequence! < $1.firstSequence! }  // safe: every closed segment has one
        return closed + [Segment(path: path, firstSequence: nil)]
    }

    /// A segment's bytes; empty when it is missing or not a regular file
    /// (a device such as /dev/full has no log to read).
    static func contents(of path: String) -> [UInt8] {
        guard (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular,
            let data = FileManager.default.contents(atPath: path)
        else { return [] }
        return Array(data)
    }
}
