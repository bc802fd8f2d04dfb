import Crypto
public import Foundation
import OpenKCMCore

/// Changes a backup file as someone without the MasterKey could: the records
/// section rewritten, the manifest's digest and count fixed to match, the
/// authentication tag left as it was.
public enum BackupForgery {
    public static func forge(_ encoded: Data, _ change: (inout Data) -> Void) throws -> Data {
        let bytes = Array(encoded)
        let length = Int(bytes[8]) << 24 | Int(bytes[9]) << 16 | Int(bytes[10]) << 8 | Int(bytes[11])
        guard var manifest = try JSONSerialization.jsonObject(with: Data(bytes[12..<12 + length])) as? [String: Any] else {
            throw ConformanceFailure(description: "the manifest is not a JSON object")
        }
        let tag = Data(bytes[12 + length..<12 + length + 32])
        var section = Data(bytes[(12 + length + 32)...])
        change(&section)
        manifest["recordsSHA256"] = Array(SHA256.hash(data: section)).hexString
        manifest["recordCount"] = recordCount(section)
        let json = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
        let prefix = Data(bytes[0..<8]) + Data((0..<4).map { UInt8(truncatingIfNeeded: UInt32(json.count) >> UInt32(24 - 8 * $0)) })
        return prefix + json + tag + section
    }

    /// The length of the first record of a records section.
    public static func firstRecordLength(_ section: Data) -> Int {
        let bytes = Array(section)
        let keyLength = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        let at = 4 + keyLength
        let valueLength = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        return at + 4 + valueLength
    }

    static func recordCount(_ section: Data) -> Int {
        var rest = section
        var count = 0
        while !rest.isEmpty {
            rest = Data(rest.dropFirst(firstRecordLength(rest)))
            count += 1
        }
        return count
    }
}
