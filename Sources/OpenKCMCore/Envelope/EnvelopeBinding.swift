/// Where a wrapped blob belongs: bound into its associated data together with
/// the header (layer, wrapping key id and version), so a blob moved to another
/// tenant, service, layer, version or context fails to open.
///
/// The tenant and service come from the caller's scope, not from the blob.
public struct EnvelopeBinding: Sendable, Hashable {
    /// The tenant id; empty for records that belong to no tenant.
    public var tenant: String
    /// The service id; empty above L3.
    public var service: String
    /// Caller context (L4) or purpose pairs (barrier path, keystore purpose).
    public var context: EncryptionContext

    public init(tenant: String = "", service: String = "", context: EncryptionContext = .empty) {
        self.tenant = tenant
        self.service = service
        self.context = context
    }

    /// The associated data for `header`: header bytes, u16-length tenant,
    /// u16-length service, then the canonical context (docs/envelope-format.md).
    package func associatedData(header: EnvelopeHeader) throws(EnvelopeError) -> [UInt8] {
        var headerBytes: [UInt8] = []
        headerBytes.reserveCapacity(EnvelopeHeader.size)
        header.write(into: &headerBytes)
        return try associatedData(headerBytes: headerBytes)
    }

    /// The associated data over header bytes already serialized (a parsed blob's).
    package func associatedData<Header: Collection<UInt8>>(headerBytes: Header) throws(EnvelopeError) -> [UInt8] {
        let tenantLength = tenant.utf8.count
        let serviceLength = service.utf8.count
        guard tenantLength <= 255, serviceLength <= 255 else {
            throw .contextTooLarge(reason: "tenant and service ids are at most 255 bytes")
        }
        var aad: [UInt8] = []
        aad.reserveCapacity(EnvelopeHeader.size + 4 + tenantLength + serviceLength + context.encoded.count)
        aad.append(contentsOf: headerBytes)
        aad.appendUInt16(UInt16(tenantLength))
        aad.append(contentsOf: tenant.utf8)
        aad.appendUInt16(UInt16(serviceLength))
        aad.append(contentsOf: service.utf8)
        aad.append(contentsOf: context.encoded)
        return aad
    }
}
