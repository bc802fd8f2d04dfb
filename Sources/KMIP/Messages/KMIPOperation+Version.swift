extension KMIPOperation {
    /// The first protocol version that defines this operation, so that Query
    /// never reports one a client's version does not know.
    public var introducedIn: KMIPVersion {
        switch rawValue {
        case ...0x1C: .v1_0
        case 0x1D...0x1E: .v1_1
        case 0x1F...0x29: .v1_2
        case 0x2A...0x2B: .v1_4
        default: .v2_0
        }
    }
}
