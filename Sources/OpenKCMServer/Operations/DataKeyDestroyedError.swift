public import OpenKCMCore

/// An unwrap or rewrap of a data key that was destroyed.
public struct DataKeyDestroyedError: OpenKCMError, Hashable {
    public var digest: String
    public var code: String { "datakey.destroyed" }
    public var description: String { "this data key was destroyed (crypto-shredded); what it protected cannot be opened" }
}
