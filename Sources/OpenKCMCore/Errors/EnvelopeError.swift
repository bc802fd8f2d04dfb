/// Why a wrapped blob was refused.
public enum EnvelopeError: OpenKCMError, Equatable {
    /// The blob is shorter than its header says it must be.
    case truncated(length: Int, minimum: Int)
    /// The blob is larger than the caller allows.
    case tooLarge(length: Int, maximum: Int)
    /// The first two bytes are not the OpenKCM envelope magic.
    case badMagic
    /// A format version this build does not read.
    case unsupportedVersion(UInt8)
    /// An algorithm identifier this build does not know.
    case unsupportedAlgorithm(UInt8)
    /// A layer identifier this build does not know.
    case unknownLayer(UInt8)
    /// The blob wraps a key of another layer than the caller expected.
    case wrongLayer(expected: EnvelopeLayer, found: EnvelopeLayer)
    /// Key version 0 is reserved and never valid.
    case invalidKeyVersion
    /// The caller context is larger than the format allows.
    case contextTooLarge(reason: String)
    /// A context sent in its binary form that is not canonical: malformed,
    /// unsorted or repeated keys, or bytes that are not UTF-8.
    case invalidContext(reason: String)
    /// The AEAD tag did not verify: wrong key, wrong binding (tenant, service,
    /// layer, key id, version, context) or tampered bytes.
    case authenticationFailed
    /// The blob opened, but its plaintext is not a key of the expected size.
    case invalidKeyLength(length: Int, expected: Int)

    public var code: String {
        switch self {
        case .truncated: "envelope.truncated"
        case .tooLarge: "envelope.too_large"
        case .badMagic: "envelope.bad_magic"
        case .unsupportedVersion: "envelope.unsupported_version"
        case .unsupportedAlgorithm: "envelope.unsupported_algorithm"
        case .unknownLayer: "envelope.unknown_layer"
        case .wrongLayer: "envelope.wrong_layer"
        case .invalidKeyVersion: "envelope.invalid_key_version"
        case .contextTooLarge: "envelope.context_too_large"
        case .invalidContext: "envelope.invalid_context"
        case .authenticationFailed: "envelope.authentication_failed"
        case .invalidKeyLength: "envelope.invalid_key_length"
        }
    }

    public var description: String {
        switch self {
        case .truncated(let length, let minimum):
            "wrapped blob is truncated: \(length) bytes, at least \(minimum) needed"
        case .tooLarge(let length, let maximum):
            "wrapped blob is too large: \(length) bytes, at most \(maximum) allowed"
        case .badMagic:
            "not an OpenKCM wrapped blob (bad magic)"
        case .unsupportedVersion(let version):
            "unsupported envelope format version \(version)"
        case .unsupportedAlgorithm(let algorithm):
            "unsupported envelope algorithm 0x\(String(algorithm, radix: 16))"
        case .unknownLayer(let layer):
            "unknown key layer 0x\(String(layer, radix: 16))"
        case .wrongLayer(let expected, let found):
            "wrapped blob holds a \(found) key where a \(expected) key was expected"
        case .invalidKeyVersion:
            "wrapped blob names key version 0, which is never valid"
        case .contextTooLarge(let reason):
            "encryption context refused: \(reason)"
        case .invalidContext(let reason):
            "encryption context refused: \(reason)"
        case .authenticationFailed:
            "wrapped blob failed authentication: wrong key, wrong context, or tampered bytes"
        case .invalidKeyLength(let length, let expected):
            "unwrapped key has \(length) bytes, expected \(expected)"
        }
    }
}
