/// DRBG Algorithm (KMIP 1.3 on): which NIST SP 800-90A DRBG.
public enum KMIPDRBGAlgorithm: UInt32, Sendable, Hashable, CaseIterable {
    case unspecified = 0x00000001
    case dualEC = 0x00000002
    case hash = 0x00000003
    case hmac = 0x00000004
    case ctr = 0x00000005
}
