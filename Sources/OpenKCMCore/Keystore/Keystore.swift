public import Crypto
public import Foundation

/// One key in an external KMS or HSM (an L1, a seal key, a shard key) that
/// OpenKCM asks to wrap and unwrap 256-bit keys. OpenKCM never holds the key
/// itself, only a ``KeystoreReference`` to it.
///
/// Providers bind ``KeystoreContext`` where they can (AWS EncryptionContext,
/// transit associated data, GCM AAD), so a wrapped L2 moved to another tenant
/// fails to unwrap at the provider.
public protocol Keystore: Sendable {
    /// Which provider and key this is; safe to log and to store.
    var reference: KeystoreReference { get }

    /// Wraps `key`; the result is opaque provider ciphertext.
    func wrap(_ key: SymmetricKey, context: KeystoreContext) async throws -> Data

    /// Unwraps what ``wrap(_:context:)`` returned for the same context.
    func unwrap(_ wrapped: Data, context: KeystoreContext) async throws -> SymmetricKey

    /// Whether the key is usable now, as the provider reports it.
    func status() async -> KeystoreStatus
}

/// Names a keystore key without holding any secret: a provider name and a
/// provider-specific key reference (ARN, transit key name, PKCS#11 label...).
public struct KeystoreReference: Sendable, Hashable, Codable, CustomStringConvertible {
    public var provider: String
    public var key: String

    public init(provider: String, key: String) {
        self.provider = provider
        self.key = key
    }

    public var description: String { "\(provider):\(key)" }
}

/// What a keystore wrap is for; bound into the provider's ciphertext.
public struct KeystoreContext: Sendable, Hashable {
    /// The tenant id, or empty for server-level keys (MasterKey, shares).
    public var tenant: String
    /// What is being wrapped: ``EnvelopeLayer/l2``, ``EnvelopeLayer/masterKey`` or ``EnvelopeLayer/masterKeyShare``.
    public var purpose: EnvelopeLayer
    /// The region whose core keeps this L2 (a `--plane crypto` core), or empty
    /// on a server serving every region. Bound so that one region's wrapped L2
    /// does not unwrap as another's, and so the customer's KMS log names the
    /// region of each access.
    public var region: String

    public init(tenant: String = "", purpose: EnvelopeLayer, region: String = "") {
        self.tenant = tenant
        self.purpose = purpose
        self.region = region
    }

    /// The context as key/value pairs, for providers that take an encryption context.
    public var pairs: [String: String] {
        var pairs = ["openkcm:purpose": purpose.description]
        if !tenant.isEmpty { pairs["openkcm:tenant"] = tenant }
        if !region.isEmpty { pairs["openkcm:region"] = region }
        return pairs
    }
}

/// What a provider says about a key.
public enum KeystoreStatus: Sendable, Hashable {
    case enabled
    /// The owner disabled the key: the kill switch.
    case disabled(reason: String)
    /// The key is gone or scheduled for deletion.
    case deleted(reason: String)
    /// The provider could not be asked (network, throttling): not a disable.
    case unreachable(reason: String)
}
