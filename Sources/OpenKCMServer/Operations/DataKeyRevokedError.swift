public import OpenKCMCore

/// An unwrap or rewrap of a data key that was revoked.
public struct DataKeyRevokedError: OpenKCMError, Hashable {
    public var digest: String
    public var code: String { "datakey.revoked" }
    public var description: String {
        "this data key was revoked: OpenKCM refuses to open it (a revocation, not crypto-shredding: destroy its subject for that)"
    }
}
