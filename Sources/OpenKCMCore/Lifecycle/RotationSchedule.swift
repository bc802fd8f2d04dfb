public import Foundation
import Crypto

/// When a key version is due to be replaced: its creation plus the period,
/// brought forward by a small jitter fixed per key (at most 1% of the period
/// and at most an hour), so the keys created together in one burst do not all
/// rotate in the same second, and none rotates later than its policy says.
public enum RotationSchedule {
    public static func dueDate(createdAt: Date, periodSeconds: Int, jitterSeed: String) -> Date {
        let bound = min(Double(periodSeconds) / 100, 3600)
        let digest = Array(SHA256.hash(data: Array(jitterSeed.utf8)))
        let fraction = Double(UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])) / Double(UInt32.max)
        return createdAt.addingTimeInterval(Double(periodSeconds) - bound * fraction)
    }
}
