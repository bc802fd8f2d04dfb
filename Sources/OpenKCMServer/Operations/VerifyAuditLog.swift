public import Foundation
public import OpenKCMCore

extension Operations {
    /// Checks a node's whole audit log, sent as its segments' bytes in log
    /// order (auditor, root): any node can check any node's chain, since all
    /// share the MasterKey the entries are MACed under. Every entry must
    /// verify and link, be written by the node the first entry names (logs
    /// spliced together are caught), and the log must reach that node's
    /// checkpoint in the store unchanged (`audit/checkpoints/<node>`, or
    /// `audit/checkpoint` for a node with a store of its own).
    public func verifyAuditLog(_ log: Data, caller: Caller) async throws -> (verification: AuditVerification, node: String?) {
        try await perform(.auditVerify, caller: caller) { unsealed in
            let lines = AuditLogFormat.lines(Array(log))
            let node = lines.lazy.compactMap { try? AuditLogFormat.entry($0) }.first?.node
            let path = node.map { "audit/checkpoints/\($0)" } ?? ServerCore.auditCheckpointKey
            let checkpoint = try await self.core.barrier.get(path).map { try JSONDecoder().decode(AuditHead.self, from: $0) }
            var check = AuditChainCheck(masterKey: unsealed.masterKey, checkpoint: checkpoint)
            for (index, line) in lines.enumerated() {
                guard let entry = try? AuditLogFormat.entry(line) else {
                    return (.broken(position: index + 1, sequence: AuditLogFormat.sequence(of: line) ?? 0, reason: .unreadable), node)
                }
                guard entry.node == node else {
                    return (.broken(position: index + 1, sequence: entry.sequence, reason: .otherNode(expected: node, found: entry.node)), node)
                }
                if let reason = check.check(entry) { return (.broken(position: index + 1, sequence: entry.sequence, reason: reason), node) }
            }
            if let reason = check.finish() {
                return (.broken(position: lines.count + 1, sequence: check.head.sequence + 1, reason: reason), node)
            }
            return (.intact(entries: check.checked, head: check.head), node)
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
