/// RNG Algorithm (KMIP 1.3 on): the generator behind a Random Number Generator attribute.
public enum KMIPRNGAlgorithm: UInt32, Sendable, Hashable, CaseIterable {
    case unspecified = 0x00000001
    case fips1862 = 0x00000002
    case drbg = 0x00000003
    case nrbg = 0x00000004
    case ansiX931 = 0x00000005
    case ansiX962 = 0x00000006
}
