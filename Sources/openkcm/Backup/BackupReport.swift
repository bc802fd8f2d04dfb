import Foundation
import OpenKCMCore

/// A backup's manifest as the CLI shows it: JSON, or a table.
enum BackupReport {
    static func object(_ manifest: BackupManifest, extra: [String: Any] = [:]) -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        var object = ((try? encoder.encode(manifest)).flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]) ?? [:]
        object.merge(extra) { $1 }
        return object
    }

    static func rows(_ object: [String: Any], first: [(String, Any?)] = []) -> [[String]] {
        let contents = (object["contents"] as? [String: Int] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return Table.pairs(first + [
            ("created", object["createdAt"]), ("store generation", object["storeGeneration"]), ("records", object["recordCount"]),
            ("contents", contents), ("seal", object["sealKind"]), ("MasterKey check value", object["masterKeyCheck"]),
        ] + (object["node"].map { [("node", $0)] } ?? []))
    }
}
