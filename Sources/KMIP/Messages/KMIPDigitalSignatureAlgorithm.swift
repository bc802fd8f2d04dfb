/// Digital Signature Algorithm (the values of the algorithms served).
public enum KMIPDigitalSignatureAlgorithm: UInt32, Sendable, Hashable, CaseIterable {
    case sha256WithRSAEncryption = 0x00000005
    case sha384WithRSAEncryption = 0x00000006
    case sha512WithRSAEncryption = 0x00000007
    case rsassaPSS = 0x00000008
    case ecdsaWithSHA256 = 0x0000000E
    case ecdsaWithSHA384 = 0x0000000F
    case ecdsaWithSHA512 = 0x00000010
}
