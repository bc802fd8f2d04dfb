import Foundation
import KMIP
import KMIPEngine

/// A Create Key Pair request read from either encoding: KMIP 1.x Common /
/// Private Key / Public Key Template-Attribute (named Attribute structures),
/// KMIP 2.x Common / Private Key / Public Key Attributes (tagged items). A
/// key's own attribute wins over the common one; Names and Object Groups
/// given in common go to both keys.
struct KMIPKeyPairRequest: Sendable {
    var algorithm: KMIPCryptographicAlgorithm
    var length: Int32?
    var curve: UInt32?
    /// The records to make, without identifiers, material or links yet.
    var privateKey: KMIPManagedObject
    var publicKey: KMIPManagedObject

    init(_ payload: TTLVItem) throws(KMIPOperationError) {
        func attributes(_ tags: [TTLVTag]) -> KMIPRequestedAttributes {
            guard let container = tags.lazy.compactMap({ payload[$0] }).first else { return KMIPRequestedAttributes(.structure(.requestPayload, [])) }
            // 2.x containers hold tagged items, as an Attributes structure does; 1.x ones hold Attribute structures.
            let is2x = [TTLVTag.commonAttributes, .privateKeyAttributes, .publicKeyAttributes].contains(container.tag)
            return KMIPRequestedAttributes(is2x ? .structure(.requestPayload, [.structure(.attributes, container.children)]) : container)
        }
        let common = attributes([.commonTemplateAttribute, .commonAttributes])
        let privateOwn = attributes([.privateKeyTemplateAttribute, .privateKeyAttributes])
        let publicOwn = attributes([.publicKeyTemplateAttribute, .publicKeyAttributes])
        let named = Set([privateOwn.algorithm, publicOwn.algorithm].compactMap { $0 })
        guard named.count <= 1 else { throw KMIPOperationError(.invalidField, "the private and public keys name different Cryptographic Algorithms") }
        guard let raw = named.first ?? common.algorithm, let algorithm = KMIPCryptographicAlgorithm(rawValue: raw) else {
            throw KMIPOperationError(.invalidField, "Create Key Pair needs a Cryptographic Algorithm (RSA, EC or ECDSA)")
        }
        self.algorithm = algorithm
        self.length = privateOwn.length ?? publicOwn.length ?? common.length
        self.curve = privateOwn.curve ?? publicOwn.curve ?? common.curve
        privateKey = try Self.template(.privateKey, own: privateOwn, common: common)
        publicKey = try Self.template(.publicKey, own: publicOwn, common: common)
    }

    private static func template(_ type: KMIPObjectType, own: KMIPRequestedAttributes, common: KMIPRequestedAttributes) throws(KMIPOperationError) -> KMIPManagedObject {
        var object = KMIPManagedObject(
            uniqueIdentifier: "", tenant: "", service: "", objectType: type.rawValue, cryptographicAlgorithm: nil, cryptographicLength: nil,
            cryptographicUsageMask: own.usageMask ?? common.usageMask, state: KMIPState.preActive.rawValue,
            names: common.names + own.names, objectGroups: common.groups + own.groups, initialDate: 0, lastChangeDate: 0,
            wrappedKey: Data(), sealedMaterial: Data())
        object.activationDate = own.activationDate ?? common.activationDate
        object.deactivationDate = own.deactivationDate ?? common.deactivationDate
        let parameters = own.cryptographicParameters ?? common.cryptographicParameters
        object.cryptographicParameters = parameters.map { Data(TTLVEncoder.encode($0)) }
        let custom = common.custom.merging(own.custom) { $1 }
        try object.adopt(common)
        try object.adopt(own)
        // The subject binding (x-openkcm-subject) goes with both keys.
        object.customAttributes = custom.isEmpty ? nil : custom
        return object
    }
}
