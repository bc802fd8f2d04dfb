import OpenKCMCore

/// Key material handed to ``KMIPHeavyWork``'s thread: the work zeroes its
/// holder's reference when done and the caller its own array, so whichever
/// lets go of the shared bytes last zeroes them in place (an array zeroed
/// while another still shares its buffer zeroes a copy of it).
final class KMIPMaterialHandoff: @unchecked Sendable {
    private(set) var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Zeroes the bytes this holder references; called once, by the work, when it is done with them.
    func zeroize() { bytes.zeroize() }
}
