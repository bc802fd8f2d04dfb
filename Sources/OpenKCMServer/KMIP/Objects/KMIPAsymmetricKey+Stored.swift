import KMIP
import KMIPEngine

extension KMIPAsymmetricKey {
    /// A key pair's key as this server stores it: in its default format
    /// (PKCS#1 for RSA, PKCS#8 or X.509 for EC).
    init(stored material: [UInt8], of object: KMIPManagedObject) throws(KMIPOperationError) {
        let isPrivate = object.objectType == KMIPObjectType.privateKey.rawValue
        let format: KMIPKeyFormatType = object.cryptographicAlgorithm == KMIPCryptographicAlgorithm.rsa.rawValue ? .pkcs1 : (isPrivate ? .pkcs8 : .x509)
        try self.init(material: material, format: format.rawValue, isPrivate: isPrivate)
    }
}
