/// Split Key Method: how a Split Key's parts combine.
public enum KMIPSplitKeyMethod: UInt32, Sendable, Hashable, CaseIterable {
    case xor = 0x00000001
    case polynomialSharingGF216 = 0x00000002
    case polynomialSharingPrimeField = 0x00000003
    case polynomialSharingGF28 = 0x00000004
}
