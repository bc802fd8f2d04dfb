/// Why a backup was refused: by `backup verify`, by `backup restore`, or
/// when a server made one and checked it before handing it out.
public enum BackupError: OpenKCMError, Equatable {
    /// Not a backup this server reads: wrong magic, cut short, or a field out of bounds.
    case malformed(String)
    /// A backup in a format this version does not read.
    case unsupportedFormat(Int)
    /// The records do not match the manifest (count, digest, order): damaged in storage or transit.
    case corrupted(String)
    /// Made under another MasterKey (the check values differ): restore it with that key's shares or seal.
    case otherMasterKey(backup: String, current: String)
    /// The manifest's authentication tag does not verify under the MasterKey:
    /// the backup was changed after it was made.
    case tampered
    /// A record fails the barrier's check (it does not open, or the index does not list it as it is).
    case recordInvalid(key: String, reason: String)
    /// The records hold no seal configuration: not a backup of an initialised store.
    case noSealConfiguration
    /// The server's own store failed the check while a backup was made: no backup was given.
    case storeUnsound(String)
    /// The backup's MasterKey is not the one the operator said to expect.
    case unexpectedMasterKey(backup: String, expected: String)

    public var code: String {
        switch self {
        case .malformed: "backup.malformed"
        case .unsupportedFormat: "backup.unsupported_format"
        case .corrupted: "backup.corrupted"
        case .otherMasterKey: "backup.other_master_key"
        case .tampered: "backup.tampered"
        case .recordInvalid: "backup.record_invalid"
        case .noSealConfiguration: "backup.no_seal_configuration"
        case .storeUnsound: "backup.store_unsound"
        case .unexpectedMasterKey: "backup.unexpected_master_key"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let reason): "not an OpenKCM backup: \(reason)"
        case .unsupportedFormat(let version): "backup format \(version) is not supported (this version reads format 1)"
        case .corrupted(let reason): "the backup is damaged: \(reason)"
        case .otherMasterKey(let backup, let current):
            "the backup was made under the MasterKey with check value \(backup); this one has \(current)"
        case .tampered: "the backup's manifest does not verify under the MasterKey: it was changed after it was made"
        case .recordInvalid(let key, let reason): "record '\(key)' of the backup fails the barrier's check: \(reason)"
        case .noSealConfiguration: "the backup holds no seal configuration: it is not a backup of an initialised store"
        case .storeUnsound(let reason): "the store failed its own check, so no backup was made: \(reason)"
        case .unexpectedMasterKey(let backup, let expected):
            "the backup names the MasterKey with check value \(backup), not the expected \(expected): it was not made by your servers"
        }
    }
}
