import Crypto
import Foundation

/// Links audit entries into a tamper-evident chain: each entry carries the
/// hash of the one before it and an HMAC under a key derived from the
/// MasterKey, so an entry cannot be edited, inserted, deleted or moved
/// without ``AuditVerifier`` noticing. Not thread-safe: the audit log that
/// owns it serialises appends.
public struct AuditChain: Sendable {
    /// The hash that stands before the first entry.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The HMAC already keyed: each entry's MAC starts from a copy of it
    /// instead of hashing the key's pads again.
    private let keyedMAC: HMAC<SHA256>
    /// The last sealed entry's sequence and hash: the chain's head.
    public private(set) var head: AuditHead

    /// Continues a chain after `head` (``AuditHead/genesis`` for a new log).
    public init(masterKey: MasterKey, head: AuditHead = .genesis) {
        self.keyedMAC = Self.keyedMAC(masterKey)
        self.head = head
    }

    /// Numbers, links and authenticates `entry`, and makes it the new head.
    public mutating func seal(_ entry: AuditEntry) -> AuditEntry {
        var sealed = entry
        // Whole milliseconds: what the stored form keeps, so the MAC survives a round trip.
        sealed.time = Date(timeIntervalSince1970: (entry.time.timeIntervalSince1970 * 1000).rounded() / 1000)
        sealed.sequence = head.sequence + 1
        sealed.previousHash = head.hash
        // The canonical bytes are made once: the MAC covers them, the hash covers them and the MAC.
        let canonical = sealed.canonicalBytes
        sealed.mac = Self.mac(canonical: canonical, keyed: keyedMAC)
        head = AuditHead(sequence: sealed.sequence, hash: Self.hash(canonical: canonical, mac: sealed.mac))
        return sealed
    }

    /// Moves the head back to `head`, an entry already written: the entries
    /// sealed after it were never written (a write failed), so the next
    /// entry takes the first one's place and the chain on disk stays whole.
    public mutating func rewind(to head: AuditHead) {
        self.head = head
    }

    /// An HMAC-SHA256 keyed with the audit key derived from the MasterKey, before any data.
    static func keyedMAC(_ masterKey: MasterKey) -> HMAC<SHA256> {
        HMAC<SHA256>(key: HKDF<SHA256>.deriveKey(
            inputKeyMaterial: masterKey.key,
            salt: Array("OpenKCM audit v1".utf8),
            info: Array("audit entry mac key".utf8),
            outputByteCount: 32
        ))
    }

    /// The entry's MAC: HMAC-SHA256 of its canonical bytes, hex.
    static func mac(canonical: [UInt8], keyed: HMAC<SHA256>) -> String {
        var mac = keyed
        mac.update(data: canonical)
        return Array(mac.finalize()).hexString
    }

    /// The chain link to the next entry: SHA-256 of the canonical bytes and the MAC, hex.
    static func hash(canonical: [UInt8], mac: String) -> String {
        var hasher = SHA256()
        hasher.update(data: canonical)
        hasher.update(data: Array(mac.utf8))
        return Array(hasher.finalize()).hexString
    }
}
