// The KMIP enumerations OpenKCM reads and writes. Values are the specifications' (KMIP 1.0-1.4
// section 9.1.3.2, KMIP 2.0-2.1 section 11); each enum's raw value is what travels in an Enumeration item.

/// Batch Error Continuation Option.
public enum KMIPBatchErrorContinuationOption: UInt32, Sendable, Hashable, CaseIterable {
    case `continue` = 0x00000001
    case stop = 0x00000002
    case undo = 0x00000003
}

/// Block Cipher Mode.
public enum KMIPBlockCipherMode: UInt32, Sendable, Hashable, CaseIterable {
    case cbc = 0x00000001
    case ecb = 0x00000002
    case pcbc = 0x00000003
    case cfb = 0x00000004
    case ofb = 0x00000005
    case ctr = 0x00000006
    case cmac = 0x00000007
    case ccm = 0x00000008
    case gcm = 0x00000009
    case cbcMac = 0x0000000A
    case xts = 0x0000000B
    case aesKeyWrapPadding = 0x0000000C
    case nistKeyWrap = 0x0000000D
    case x9102Aeskw = 0x0000000E
    case x9102Tdkw = 0x0000000F
    case x9102Akw1 = 0x00000010
    case x9102Akw2 = 0x00000011
    case aead = 0x00000012
}

/// Credential Type.
public enum KMIPCredentialType: UInt32, Sendable, Hashable, CaseIterable {
    case usernameAndPassword = 0x00000001
    case device = 0x00000002
    case attestation = 0x00000003
    case oneTimePassword = 0x00000004
    case hashedPassword = 0x00000005
    case ticket = 0x00000006
}

/// Cryptographic Algorithm.
public enum KMIPCryptographicAlgorithm: UInt32, Sendable, Hashable, CaseIterable {
    case des = 0x00000001
    case tripleDes = 0x00000002
    case aes = 0x00000003
    case rsa = 0x00000004
    case dsa = 0x00000005
    case ecdsa = 0x00000006
    case hmacSha1 = 0x00000007
    case hmacSha224 = 0x00000008
    case hmacSha256 = 0x00000009
    case hmacSha384 = 0x0000000A
    case hmacSha512 = 0x0000000B
    case hmacMd5 = 0x0000000C
    case dh = 0x0000000D
    case ecdh = 0x0000000E
    case ecmqv = 0x0000000F
    case blowfish = 0x00000010
    case camellia = 0x00000011
    case cast5 = 0x00000012
    case idea = 0x00000013
    case mars = 0x00000014
    case rc2 = 0x00000015
    case rc4 = 0x00000016
    case rc5 = 0x00000017
    case skipjack = 0x00000018
    case twofish = 0x00000019
    case ec = 0x0000001A
    case oneTimePad = 0x0000001B
    case chacha20 = 0x0000001C
    case poly1305 = 0x0000001D
    case chacha20Poly1305 = 0x0000001E
    case sha3224 = 0x0000001F
    case sha3256 = 0x00000020
    case sha3384 = 0x00000021
    case sha3512 = 0x00000022
    case hmacSha3224 = 0x00000023
    case hmacSha3256 = 0x00000024
    case hmacSha3384 = 0x00000025
    case hmacSha3512 = 0x00000026
    case shake128 = 0x00000027
    case shake256 = 0x00000028
    case aria = 0x00000029
    case seed = 0x0000002A
    case sm2 = 0x0000002B
    case sm3 = 0x0000002C
    case sm4 = 0x0000002D
    case gostR34102012 = 0x0000002E
    case gostR34112012 = 0x0000002F
    case gostR34132015 = 0x00000030
    case gost2814789 = 0x00000031
    case xmss = 0x00000032
    case sphincs256 = 0x00000033
    case mceliece = 0x00000034
    case mceliece6960119 = 0x00000035
    case mceliece8192128 = 0x00000036
    case ed25519 = 0x00000037
    case ed448 = 0x00000038
}

/// Cryptographic Usage Mask bits.
public enum KMIPCryptographicUsageMask: UInt32, Sendable, Hashable, CaseIterable {
    case sign = 0x00000001
    case verify = 0x00000002
    case encrypt = 0x00000004
    case decrypt = 0x00000008
    case wrapKey = 0x00000010
    case unwrapKey = 0x00000020
    case `export` = 0x00000040
    case macGenerate = 0x00000080
    case macVerify = 0x00000100
    case deriveKey = 0x00000200
    case contentCommitment = 0x00000400
    case keyAgreement = 0x00000800
    case certificateSign = 0x00001000
    case crlSign = 0x00002000
    case generateCryptogram = 0x00004000
    case validateCryptogram = 0x00008000
    case translateEncrypt = 0x00010000
    case translateDecrypt = 0x00020000
    case translateWrap = 0x00040000
    case translateUnwrap = 0x00080000
    case authenticate = 0x00100000
    case unrestricted = 0x00200000
    case fpeEncrypt = 0x00400000
    case fpeDecrypt = 0x00800000
}

/// Encoding Option.
public enum KMIPEncodingOption: UInt32, Sendable, Hashable, CaseIterable {
    case noEncoding = 0x00000001
    case ttlvEncoding = 0x00000002
}

/// Hashing Algorithm.
public enum KMIPHashingAlgorithm: UInt32, Sendable, Hashable, CaseIterable {
    case md2 = 0x00000001
    case md4 = 0x00000002
    case md5 = 0x00000003
    case sha1 = 0x00000004
    case sha224 = 0x00000005
    case sha256 = 0x00000006
    case sha384 = 0x00000007
    case sha512 = 0x00000008
    case ripemd160 = 0x00000009
    case tiger = 0x0000000A
    case whirlpool = 0x0000000B
    case sha512224 = 0x0000000C
    case sha512256 = 0x0000000D
    case sha3224 = 0x0000000E
    case sha3256 = 0x0000000F
    case sha3384 = 0x00000010
    case sha3512 = 0x00000011
}

/// Key Format Type.
public enum KMIPKeyFormatType: UInt32, Sendable, Hashable, CaseIterable {
    case raw = 0x00000001
    case opaque = 0x00000002
    case pkcs1 = 0x00000003
    case pkcs8 = 0x00000004
    case x509 = 0x00000005
    case ecPrivateKey = 0x00000006
    case transparentSymmetricKey = 0x00000007
    case transparentDsaPrivateKey = 0x00000008
    case transparentDsaPublicKey = 0x00000009
    case transparentRsaPrivateKey = 0x0000000A
    case transparentRsaPublicKey = 0x0000000B
    case transparentDhPrivateKey = 0x0000000C
    case transparentDhPublicKey = 0x0000000D
    case transparentEcdsaPrivateKey = 0x0000000E
    case transparentEcdsaPublicKey = 0x0000000F
    case transparentEcdhPrivateKey = 0x00000010
    case transparentEcdhPublicKey = 0x00000011
    case transparentEcmqvPrivateKey = 0x00000012
    case transparentEcmqvPublicKey = 0x00000013
    case transparentEcPrivateKey = 0x00000014
    case transparentEcPublicKey = 0x00000015
    case pkcs12 = 0x00000016
}

/// Key Role Type.
public enum KMIPKeyRoleType: UInt32, Sendable, Hashable, CaseIterable {
    case bdk = 0x00000001
    case cvk = 0x00000002
    case dek = 0x00000003
    case mkac = 0x00000004
    case mksmc = 0x00000005
    case mksmi = 0x00000006
    case mkdac = 0x00000007
    case mkdn = 0x00000008
    case mkcp = 0x00000009
    case mkoth = 0x0000000A
    case kek = 0x0000000B
    case mac16609 = 0x0000000C
    case mac97971 = 0x0000000D
    case mac97972 = 0x0000000E
    case mac97973 = 0x0000000F
    case mac97974 = 0x00000010
    case mac97975 = 0x00000011
    case zpk = 0x00000012
    case pvkibm = 0x00000013
    case pvkpvv = 0x00000014
    case pvkoth = 0x00000015
    case dukpt = 0x00000016
    case iv = 0x00000017
    case trkbk = 0x00000018
}

/// Link Type.
public enum KMIPLinkType: UInt32, Sendable, Hashable, CaseIterable {
    case certificateLink = 0x00000101
    case publicKeyLink = 0x00000102
    case privateKeyLink = 0x00000103
    case derivationBaseObjectLink = 0x00000104
    case derivedKeyLink = 0x00000105
    case replacementObjectLink = 0x00000106
    case replacedObjectLink = 0x00000107
    case parentLink = 0x00000108
    case childLink = 0x00000109
    case previousLink = 0x0000010A
    case nextLink = 0x0000010B
    case pkcs12CertificateLink = 0x0000010C
    case pkcs12PasswordLink = 0x0000010D
    case wrappingKeyLink = 0x0000010E
}

/// Name Type.
public enum KMIPNameType: UInt32, Sendable, Hashable, CaseIterable {
    case uninterpretedTextString = 0x00000001
    case uri = 0x00000002
}

/// Object Type.
public enum KMIPObjectType: UInt32, Sendable, Hashable, CaseIterable {
    case certificate = 0x00000001
    case symmetricKey = 0x00000002
    case publicKey = 0x00000003
    case privateKey = 0x00000004
    case splitKey = 0x00000005
    case template = 0x00000006
    case secretData = 0x00000007
    case opaqueData = 0x00000008
    case pgpKey = 0x00000009
    case certificateRequest = 0x0000000A
}

/// The operations (KMIP 1.0-2.1 section 9.1.3.2.27 / 11.36).
public enum KMIPOperation: UInt32, Sendable, Hashable, CaseIterable {
    case create = 0x00000001
    case createKeyPair = 0x00000002
    case register = 0x00000003
    case rekey = 0x00000004
    case deriveKey = 0x00000005
    case certify = 0x00000006
    case recertify = 0x00000007
    case locate = 0x00000008
    case check = 0x00000009
    case `get` = 0x0000000A
    case getAttributes = 0x0000000B
    case getAttributeList = 0x0000000C
    case addAttribute = 0x0000000D
    case modifyAttribute = 0x0000000E
    case deleteAttribute = 0x0000000F
    case obtainLease = 0x00000010
    case getUsageAllocation = 0x00000011
    case activate = 0x00000012
    case revoke = 0x00000013
    case destroy = 0x00000014
    case archive = 0x00000015
    case recover = 0x00000016
    case validate = 0x00000017
    case query = 0x00000018
    case cancel = 0x00000019
    case poll = 0x0000001A
    case notify = 0x0000001B
    case put = 0x0000001C
    case rekeyKeyPair = 0x0000001D
    case discoverVersions = 0x0000001E
    case encrypt = 0x0000001F
    case decrypt = 0x00000020
    case sign = 0x00000021
    case signatureVerify = 0x00000022
    case mac = 0x00000023
    case macVerify = 0x00000024
    case rngRetrieve = 0x00000025
    case rngSeed = 0x00000026
    case hash = 0x00000027
    case createSplitKey = 0x00000028
    case joinSplitKey = 0x00000029
    case `import` = 0x0000002A
    case `export` = 0x0000002B
    case log = 0x0000002C
    case login = 0x0000002D
    case logout = 0x0000002E
    case delegatedLogin = 0x0000002F
    case adjustAttribute = 0x00000030
    case setAttribute = 0x00000031
    case setEndpointRole = 0x00000032
    case pkcs11 = 0x00000033
    case interop = 0x00000034
    case reprovision = 0x00000035
}

/// Padding Method.
public enum KMIPPaddingMethod: UInt32, Sendable, Hashable, CaseIterable {
    case `none` = 0x00000001
    case oaep = 0x00000002
    case pkcs5 = 0x00000003
    case ssl3 = 0x00000004
    case zeros = 0x00000005
    case ansiX923 = 0x00000006
    case iso10126 = 0x00000007
    case pkcs1v15 = 0x00000008
    case x931 = 0x00000009
    case pss = 0x0000000A
}

/// Query Function.
public enum KMIPQueryFunction: UInt32, Sendable, Hashable, CaseIterable {
    case queryOperations = 0x00000001
    case queryObjects = 0x00000002
    case queryServerInformation = 0x00000003
    case queryApplicationNamespaces = 0x00000004
    case queryExtensionList = 0x00000005
    case queryExtensionMap = 0x00000006
    case queryAttestationTypes = 0x00000007
    case queryRngs = 0x00000008
    case queryValidations = 0x00000009
    case queryProfiles = 0x0000000A
    case queryCapabilities = 0x0000000B
    case queryClientRegistrationMethods = 0x0000000C
    case queryDefaultsInformation = 0x0000000D
    case queryStorageProtectionMasks = 0x0000000E
}

/// Result Reason.
public enum KMIPResultReason: UInt32, Sendable, Hashable, CaseIterable {
    case itemNotFound = 0x00000001
    case responseTooLarge = 0x00000002
    case authenticationNotSuccessful = 0x00000003
    case invalidMessage = 0x00000004
    case operationNotSupported = 0x00000005
    case missingData = 0x00000006
    case invalidField = 0x00000007
    case featureNotSupported = 0x00000008
    case operationCanceledByRequester = 0x00000009
    case cryptographicFailure = 0x0000000A
    case illegalOperation = 0x0000000B
    case permissionDenied = 0x0000000C
    case objectArchived = 0x0000000D
    case indexOutOfBounds = 0x0000000E
    case applicationNamespaceNotSupported = 0x0000000F
    case keyFormatTypeNotSupported = 0x00000010
    case keyCompressionTypeNotSupported = 0x00000011
    case encodingOptionError = 0x00000012
    case keyValueNotPresent = 0x00000013
    case attestationRequired = 0x00000014
    case attestationFailed = 0x00000015
    case sensitive = 0x00000016
    case notExtractable = 0x00000017
    case objectAlreadyExists = 0x00000018
    case generalFailure = 0x00000100
    case invalidTicket = 0x00000019
    case usageLimitExceeded = 0x0000001A
    case numericRange = 0x0000001B
    case invalidDataType = 0x0000001C
    case readOnlyAttribute = 0x0000001D
    case multiValuedAttribute = 0x0000001E
    case unsupportedAttribute = 0x0000001F
    case attributeInstanceNotFound = 0x00000020
    case attributeNotFound = 0x00000021
    case attributeReadOnly = 0x00000022
    case attributeSingleValued = 0x00000023
    case badCryptographicParameters = 0x00000024
    case badPassword = 0x00000025
    case codecError = 0x00000026
    case illegalObjectType = 0x00000028
    case incompatibleCryptographicUsageMask = 0x00000029
    case internalServerError = 0x0000002A
    case invalidAsynchronousCorrelationValue = 0x0000002B
    case invalidAttribute = 0x0000002C
    case invalidAttributeValue = 0x0000002D
    case invalidCorrelationValue = 0x0000002E
    case invalidCsr = 0x0000002F
    case invalidObjectType = 0x00000030
    case keyWrapTypeNotSupported = 0x00000032
    case missingInitializationVector = 0x00000034
    case nonUniqueNameAttribute = 0x00000035
    case objectDestroyed = 0x00000036
    case objectNotFound = 0x00000037
    case notAuthorised = 0x00000039
    case serverLimitExceeded = 0x0000003A
    case unknownEnumeration = 0x0000003B
    case unknownMessageExtension = 0x0000003C
    case unknownTag = 0x0000003D
    case unsupportedCryptographicParameters = 0x0000003E
    case unsupportedProtocolVersion = 0x0000003F
    case wrappingObjectArchived = 0x00000040
    case wrappingObjectDestroyed = 0x00000041
    case wrappingObjectNotFound = 0x00000042
    case wrongKeyLifecycleState = 0x00000043
    case protectionStorageUnavailable = 0x00000044
    case pkcs11CodecError = 0x00000045
    case pkcs11InvalidFunction = 0x00000046
    case pkcs11InvalidInterface = 0x00000047
}

/// Result Status.
public enum KMIPResultStatus: UInt32, Sendable, Hashable, CaseIterable {
    case success = 0x00000000
    case operationFailed = 0x00000001
    case operationPending = 0x00000002
    case operationUndone = 0x00000003
}

/// Revocation Reason Code.
public enum KMIPRevocationReasonCode: UInt32, Sendable, Hashable, CaseIterable {
    case unspecified = 0x00000001
    case keyCompromise = 0x00000002
    case caCompromise = 0x00000003
    case affiliationChanged = 0x00000004
    case superseded = 0x00000005
    case cessationOfOperation = 0x00000006
    case privilegeWithdrawn = 0x00000007
}

/// Secret Data Type.
public enum KMIPSecretDataType: UInt32, Sendable, Hashable, CaseIterable {
    case password = 0x00000001
    case seed = 0x00000002
}

/// State (the NIST SP 800-57 lifecycle).
public enum KMIPState: UInt32, Sendable, Hashable, CaseIterable {
    case preActive = 0x00000001
    case active = 0x00000002
    case deactivated = 0x00000003
    case compromised = 0x00000004
    case destroyed = 0x00000005
    case destroyedCompromised = 0x00000006
}

/// Wrapping Method.
public enum KMIPWrappingMethod: UInt32, Sendable, Hashable, CaseIterable {
    case encrypt = 0x00000001
    case macSign = 0x00000002
    case encryptThenMacSign = 0x00000003
    case macSignThenEncrypt = 0x00000004
    case tr31 = 0x00000005
}

/// Validity Indicator (MAC Verify, Signature Verify).
public enum KMIPValidityIndicator: UInt32, Sendable, Hashable, CaseIterable {
    case valid = 0x00000001
    case invalid = 0x00000002
    case unknown = 0x00000003
}
