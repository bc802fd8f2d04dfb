import Foundation
import OpenKCMCore

/// Which node a data directory belongs to, among the replicas sharing one
/// store: a random id kept in `<data_dir>/node-id` (mode 0600), made when the
/// directory is new. Each node's audit chain is its own, and its sealed
/// checkpoint is stored under this id (`audit/checkpoints/<id>`).
///
/// A directory whose audit log has entries but no `node-id` is refused: a new
/// id would give the log no checkpoint to reach, so a log cut short could pass
/// as a new node's. The file is restored from backup with the log, or the
/// node starts over with an empty directory (its old checkpoint stays in the
/// store, and its old chain with it).
enum NodeIdentity {
    static let fileName = "node-id"

    /// The directory's node id, made now when the directory holds no audit log
    /// yet, or (`adoptingLog`) when the log's checkpoint is being handed to the
    /// new id in the same step (a single node's store moved to PostgreSQL).
    static func load(directory: String, adoptingLog: Bool = false) throws -> String {
        let path = directory + "/" + fileName
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard isValid(id) else { throw NodeIdentityError("\(path) does not hold a node id (16 to 64 of a-z, 0-9, -)") }
            return id
        }
        guard adoptingLog || !auditLogHasEntries(directory) else {
            throw NodeIdentityError("\(path) is missing but the audit log in \(directory) has entries: restore node-id with the log, or start the node from an empty data directory")
        }
        let id = "node-" + RandomUUID.make().lowercased()
        guard FileManager.default.createFile(atPath: path, contents: Data((id + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw NodeIdentityError("cannot write \(path)")
        }
        return id
    }

    static func isValid(_ id: String) -> Bool {
        (16...64).contains(id.utf8.count) && id.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    /// Whether the open segment has bytes or any closed segment exists.
    private static func auditLogHasEntries(_ directory: String) -> Bool {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        if files.contains(where: { $0.hasPrefix("audit.log.") }) { return true }
        let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/audit.log"))?[.size] as? Int ?? 0
        return size > 0
    }
}
