/// What a verified backup is: its manifest, and how many records opened
/// under the MasterKey against the backup's own sealed index.
public struct BackupVerification: Sendable, Hashable, Codable {
    public var manifest: BackupManifest
    public var recordsOpened: Int

    public init(manifest: BackupManifest, recordsOpened: Int) {
        self.manifest = manifest
        self.recordsOpened = recordsOpened
    }
}
