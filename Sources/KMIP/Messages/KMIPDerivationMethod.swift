/// Derivation Method (Derive Key): KMIP 1.0 defines 0x01-0x07, 1.4 adds Asymmetric Key, 2.1 AWS Signature Version 4 and HKDF.
public enum KMIPDerivationMethod: UInt32, Sendable, Hashable, CaseIterable {
    case pbkdf2 = 0x00000001
    case hash = 0x00000002
    case hmac = 0x00000003
    case encrypt = 0x00000004
    case nist800108Counter = 0x00000005
    case nist800108Feedback = 0x00000006
    case nist800108DoublePipeline = 0x00000007
    case asymmetricKey = 0x00000008
    case awsSignatureVersion4 = 0x00000009
    case hkdf = 0x0000000A
}
