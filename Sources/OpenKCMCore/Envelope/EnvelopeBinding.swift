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
    /// The subject of a subject-bound L4 (layer 0x41); nil for every other
    /// envelope, whose associated data then ends with the context.
    public var subject: String?

    public init(tenant: String = "", service: String = "", context: EncryptionContext = .empty, subject: String? = nil) {
        self.tenant = tenant
        self.service = service
        self.context = context
        self.subject = subject
    }

    /// The associated data for `header`: header bytes, u16-length tenant,
    /// u16-length service, the canonical context, then for a subject-bound L4
    /// the u16-length subject (docs/envelope-format.md).
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
        let subjectLength = subject?.utf8.count ?? 0
        guard tenantLength <= 255, serviceLength <= 255, subjectLength <= 1024 else {
            throw .contextTooLarge(reason: "tenant and service ids are at most 255 bytes, a subject 1024")
        }
        var aad: [UInt8] = []
        aad.reserveCapacity(EnvelopeHeader.size + 6 + tenantLength + serviceLength + context.encoded.count + subjectLength)
        aad.append(contentsOf: headerBytes)
        aad.appendUInt16(UInt16(tenantLength))
        aad.append(contentsOf: tenant.utf8)
        aad.appendUInt16(UInt16(serviceLength))
        aad.append(contentsOf: service.utf8)
        aad.append(contentsOf: context.encoded)
        if let subject {
            aad.appendUInt16(UInt16(subjectLength))
            aad.append(contentsOf: subject.utf8)
        }
        return aad
    }
}
