import Crypto
public import Foundation

/// A backup: every record of a store as the store holds it (barrier
/// ciphertext, bound to its path and version, and the barrier's sealed
/// index), behind a manifest authenticated under a key derived from the
/// MasterKey.
///
/// The file is `OKCMBK` `0x00` `0x01` (magic and format), the manifest's
/// length (u32, big-endian) and JSON, a 32-byte HMAC-SHA256 tag over the
/// three, then each record as u32 key length, key, u32 value length, value,
/// in ascending byte order of keys. The manifest carries the SHA-256 of the
/// records section, so the tag covers every byte. Nothing in it is readable
/// without the MasterKey except what the store itself shows: paths, record
/// versions and the seal configuration (which holds no secret).
public struct BackupArchive: Sendable {
    public let manifest: BackupManifest
    public let records: [StorageRecord]
    /// The manifest as written: the tag covers these bytes, not a re-encoding.
    private let header: Data
    private let tag: Data

    static let magic = Data("OKCMBK".utf8) + Data([0x00, 0x01])
    /// Bounds a reader holds a file to before trusting anything in it.
    static let maximumManifestBytes = 1 << 20
    static let maximumValueBytes = SealedStorage.maximumRecordSize + 4096

    // MARK: Making

    /// A backup of `records` (a ``Storage/snapshot()``), authenticated under `masterKey`.
    public static func make(
        records: [StorageRecord], masterKey: MasterKey, node: String? = nil, createdAt: Date = Date()
    ) throws(BackupError) -> BackupArchive {
        guard let sealRecord = records.first(where: { $0.key == SealConfiguration.storageKey }),
              let seal = try? JSONDecoder().decode(SealConfiguration.self, from: sealRecord.value)
        else { throw .noSealConfiguration }
        let current = masterKey.keyCheckValue
        guard seal.keyCheckValue == current else { throw .otherMasterKey(backup: seal.keyCheckValue.description, current: current.description) }
        let sorted = records.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        let section = recordsSection(sorted)
        let manifest = BackupManifest(
            format: BackupManifest.formatName, formatVersion: BackupManifest.currentFormatVersion, createdAt: createdAt, node: node,
            storeGeneration: sorted.first { $0.key == StorageScope.storeRootKey }.flatMap { StorageCondition.version(of: $0.value) } ?? 0,
            recordCount: sorted.count, recordsSHA256: Array(SHA256.hash(data: section)).hexString,
            masterKeyCheck: current.description, sealKind: seal.kind.rawValue, contents: contents(of: sorted))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let json: Data
        do { json = try encoder.encode(manifest) } catch { throw .malformed("the manifest cannot be encoded (\(error))") }
        let header = magic + bigEndian(UInt32(json.count)) + json
        return BackupArchive(manifest: manifest, records: sorted, header: header, tag: BackupAuthenticationKey(masterKey: masterKey).tag(header))
    }

    private init(manifest: BackupManifest, records: [StorageRecord], header: Data, tag: Data) {
        self.manifest = manifest
        self.records = records
        self.header = header
        self.tag = tag
    }

    /// The file's bytes.
    public var encoded: Data {
        header + tag + Self.recordsSection(records)
    }

    /// The seal configuration the backup's store was initialised with: what a
    /// restore needs to rebuild the MasterKey (shares, shard keystores, seal keystore).
    public var sealConfiguration: SealConfiguration? {
        records.first { $0.key == SealConfiguration.storageKey }.flatMap { try? JSONDecoder().decode(SealConfiguration.self, from: $0.value) }
    }

    // MARK: Reading

    /// Reads a backup file and checks everything that needs no key: the
    /// format, the bounds, the records' order, count and digest. The manifest
    /// is not trusted until ``authenticate(with:)``.
    public init(decoding data: Data) throws(BackupError) {
        var reader = BackupReader(data)
        guard reader.take(Self.magic.count) == Self.magic else {
            if data.starts(with: Data("OKCMBK".utf8)), data.count >= 8 { throw .unsupportedFormat(Int(data[data.startIndex + 7])) }
            throw .malformed("it does not start with the OpenKCM backup magic")
        }
        guard let length = reader.uint32(), Int(length) <= Self.maximumManifestBytes, let json = reader.take(Int(length)) else {
            throw .malformed("the manifest is cut short or larger than 1 MiB")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let manifest = try? decoder.decode(BackupManifest.self, from: json), manifest.format == BackupManifest.formatName else {
            throw .malformed("the manifest is not an OpenKCM backup manifest")
        }
        guard manifest.formatVersion == BackupManifest.currentFormatVersion else { throw .unsupportedFormat(manifest.formatVersion) }
        guard let tag = reader.take(32) else { throw .malformed("the authentication tag is cut short") }
        let section = reader.rest
        guard Array(SHA256.hash(data: section)).hexString == manifest.recordsSHA256 else {
            throw .corrupted("the records do not match the manifest's digest")
        }
        var records: [StorageRecord] = []
        var sectionReader = BackupReader(section)
        while !sectionReader.isAtEnd {
            guard let keyLength = sectionReader.uint32(), keyLength <= StoragePath.maximumLength, let keyBytes = sectionReader.take(Int(keyLength)),
                  let key = String(data: keyBytes, encoding: .utf8), (try? StoragePath.validate(key)) != nil
            else { throw .corrupted("record \(records.count + 1) has no valid key") }
            guard let valueLength = sectionReader.uint32(), valueLength <= Self.maximumValueBytes, let value = sectionReader.take(Int(valueLength)) else {
                throw .corrupted("record '\(key)' is cut short")
            }
            if let last = records.last, !last.key.utf8.lexicographicallyPrecedes(key.utf8) {
                throw .corrupted("record '\(key)' is out of order or repeated")
            }
            records.append(StorageRecord(key: key, value: value))
        }
        guard records.count == manifest.recordCount else {
            throw .corrupted("it holds \(records.count) records; the manifest says \(manifest.recordCount)")
        }
        self.init(manifest: manifest, records: records, header: Self.magic + Self.bigEndian(length) + json, tag: tag)
    }

    /// Checks the manifest's tag under `masterKey`: after it, the manifest
    /// (and through its digest every record) is as the server made it.
    public func authenticate(with masterKey: MasterKey) throws(BackupError) {
        let current = masterKey.keyCheckValue.description
        guard BackupAuthenticationKey(masterKey: masterKey).isValid(tag, for: header) else {
            // Said apart from tampering when the (not yet trusted) manifest names another key: the likelier mistake.
            if manifest.masterKeyCheck != current { throw .otherMasterKey(backup: manifest.masterKeyCheck, current: current) }
            throw .tampered
        }
        guard manifest.masterKeyCheck == current, sealConfiguration?.keyCheckValue.description == current else {
            throw .otherMasterKey(backup: manifest.masterKeyCheck, current: current)
        }
    }

    // MARK: Encoding

    private static func recordsSection(_ records: [StorageRecord]) -> Data {
        var section = Data()
        section.reserveCapacity(records.reduce(0) { $0 + 8 + $1.key.utf8.count + $1.value.count })
        for record in records {
            let key = Data(record.key.utf8)
            section += bigEndian(UInt32(key.count))
            section += key
            section += bigEndian(UInt32(record.value.count))
            section += record.value
        }
        return section
    }

    private static func bigEndian(_ value: UInt32) -> Data {
        Data((0..<4).map { UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * $0)) })
    }

    /// Records by first path segment, without the barrier's index and the seal configuration.
    private static func contents(of records: [StorageRecord]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for record in records where StorageScope.of(record.key) != nil {
            counts[String(record.key.prefix { $0 != "/" }), default: 0] += 1
        }
        return counts
    }
}
