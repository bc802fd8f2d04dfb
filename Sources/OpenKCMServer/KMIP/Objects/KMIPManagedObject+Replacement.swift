import KMIP

extension KMIPManagedObject {
    /// The record of a fresh key replacing this one (ReKey, ReKey Key Pair),
    /// before its material is sealed: the same kind of key with its
    /// attributes and names, linked back (Replaced Object) and to `links`.
    /// What belonged to the old key's life does not carry over: revocation,
    /// compromise and destroy dates, the Digest, Fresh. The new key is Active
    /// at once when the old one was Active and no Offset (or 0) is asked;
    /// with an Offset it becomes Active then (Activation Date = now +
    /// Offset), otherwise it waits Pre-Active for Activate. Its Deactivation,
    /// Process Start and Protect Stop Dates keep their distance from the
    /// Activation Date, as KMIP's ReKey shifts them; without an Activation
    /// Date to shift from they are not carried over.
    func replacement(_ newUID: String, now: Int64, offset: Int64?, links: [Link]) -> KMIPManagedObject {
        var object = self
        object.uniqueIdentifier = newUID
        object.initialDate = now
        object.lastChangeDate = now
        object.destroyDate = nil
        object.revocationReasonCode = nil
        object.revocationMessage = nil
        object.compromiseDate = nil
        object.compromiseOccurrenceDate = nil
        object.digest = nil
        object.fresh = nil
        object.generatedHere = true
        object.links = [Link(type: KMIPLinkType.replacedObjectLink.rawValue, uniqueIdentifier: uniqueIdentifier)] + links
        let activation: Int64? = switch (state == KMIPState.active.rawValue, offset) {
        case (true, nil): activationDate ?? now
        case (_, let offset?) where offset > 0: now + offset
        case (true, _): now
        default: nil
        }
        object.state = activation.map { $0 <= now } == true ? KMIPState.active.rawValue : KMIPState.preActive.rawValue
        object.activationDate = activation
        let shift = activation.flatMap { new in activationDate.map { new - $0 } }
        object.deactivationDate = shift.flatMap { shift in deactivationDate.map { $0 + shift } }
        object.processStartDate = shift.flatMap { shift in processStartDate.map { $0 + shift } }
        object.protectStopDate = shift.flatMap { shift in protectStopDate.map { $0 + shift } }
        return object
    }
}
