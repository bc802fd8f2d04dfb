public import Foundation
public import OpenKCMCore

extension Operations {
    /// One uploaded log or backup checked at a time: each may hold a large
    /// part of memory while it is read.
    static let uploadChecks = KeyedAsyncLock<Int>()

    /// Checks a node's whole audit log, sent as its segments' bytes in log
    /// order (auditor, root): any node can check any node's chain, since all
    /// share the MasterKey the entries are MACed under. Every entry must
    /// verify and link and be written by the log's node (a log from before
    /// entries named their node may start without one, once: logs spliced
    /// together are caught), and the log must reach that node's checkpoint in
    /// the store unchanged (`audit/checkpoints/<node>`, or `audit/checkpoint`
    /// for a node with a store of its own). The lines are read in place.
    public func verifyAuditLog(_ log: Data, caller: Caller) async throws -> (verification: AuditVerification, node: String?) {
        try await perform(.auditVerify, caller: caller) { unsealed in
            try await Self.uploadChecks.withLock(0) {
                // The node the log belongs to is the one its last entry names.
                let body = log.last == 0x0A ? log.dropLast() : log[...]
                let lastLine = body.lastIndex(of: 0x0A).map { body[body.index(after: $0)...] } ?? body
                let node = (try? AuditLogFormat.entry(lastLine))?.node
                let path = node.map { "audit/checkpoints/\($0)" } ?? ServerCore.auditCheckpointKey
                let checkpoint = try await self.core.barrier.get(path).map { try JSONDecoder().decode(AuditHead.self, from: $0) }
                var check = AuditChainCheck(masterKey: unsealed.masterKey, checkpoint: checkpoint)
                var writer: String?
                var start = log.startIndex
                var number = 0
                while let end = log[start...].firstIndex(of: 0x0A) {
                    let line = log[start..<end]
                    start = log.index(after: end)
                    number += 1
                    guard let entry = try? AuditLogFormat.entry(line) else {
                        return (.broken(position: number, sequence: AuditLogFormat.sequence(of: line) ?? 0, reason: .unreadable), node)
                    }
                    // Entries without a node (before replicas named theirs), then the node's: never another, never back.
                    if entry.node != writer {
                        guard writer == nil, entry.node == node else {
                            return (.broken(position: number, sequence: entry.sequence, reason: .otherNode(expected: writer ?? node, found: entry.node)), node)
                        }
                        writer = entry.node
                    }
                    if let reason = check.check(entry) { return (.broken(position: number, sequence: entry.sequence, reason: reason), node) }
                }
                if let reason = check.finish() {
                    return (.broken(position: number + 1, sequence: check.head.sequence + 1, reason: reason), node)
                }
                return (.intact(entries: check.checked, head: check.head), node)
            }
        }
    }

    /// The nodes whose audit checkpoints the store keeps: every chain an
    /// `audit verify` of the whole cluster must account for ("" for the
    /// checkpoint of a node with a store of its own). Read after one of the
    /// verify operations above admitted and audited the caller.
    func checkpointedAuditNodes() async throws -> [String] {
        let prefix = "audit/checkpoints/"
        var nodes = try await core.barrier.list(prefix: prefix).map { String($0.dropFirst(prefix.count)) }
        if try await core.barrier.get(ServerCore.auditCheckpointKey) != nil { nodes.append("") }
        return nodes
    }
}
