/// KMIP's tags (KMIP 1.0-1.4 section 9.1.3.1, KMIP 2.0-2.1 section 11.1), each
/// with the protocol version that introduced it. Values are the specifications'.
extension TTLVTag {
    public static let activationDate = TTLVTag(0x420001)
    public static let applicationData = TTLVTag(0x420002)
    public static let applicationNamespace = TTLVTag(0x420003)
    public static let applicationSpecificInformation = TTLVTag(0x420004)
    public static let archiveDate = TTLVTag(0x420005)
    public static let asynchronousCorrelationValue = TTLVTag(0x420006)
    public static let asynchronousIndicator = TTLVTag(0x420007)
    public static let attribute = TTLVTag(0x420008)
    public static let attributeIndex = TTLVTag(0x420009)
    public static let attributeName = TTLVTag(0x42000A)
    public static let attributeValue = TTLVTag(0x42000B)
    public static let authentication = TTLVTag(0x42000C)
    public static let batchCount = TTLVTag(0x42000D)
    public static let batchErrorContinuationOption = TTLVTag(0x42000E)
    public static let batchItem = TTLVTag(0x42000F)
    public static let batchOrderOption = TTLVTag(0x420010)
    public static let blockCipherMode = TTLVTag(0x420011)
    public static let cancellationResult = TTLVTag(0x420012)
    public static let certificate = TTLVTag(0x420013)
    public static let certificateIdentifier = TTLVTag(0x420014)
    public static let certificateIssuer = TTLVTag(0x420015)
    public static let certificateIssuerAlternativeName = TTLVTag(0x420016)
    public static let certificateIssuerDistinguishedName = TTLVTag(0x420017)
    public static let certificateRequest = TTLVTag(0x420018)
    public static let certificateRequestType = TTLVTag(0x420019)
    public static let certificateSubject = TTLVTag(0x42001A)
    public static let certificateSubjectAlternativeName = TTLVTag(0x42001B)
    public static let certificateSubjectDistinguishedName = TTLVTag(0x42001C)
    public static let certificateType = TTLVTag(0x42001D)
    public static let certificateValue = TTLVTag(0x42001E)
    public static let commonTemplateAttribute = TTLVTag(0x42001F)
    public static let compromiseDate = TTLVTag(0x420020)
    public static let compromiseOccurrenceDate = TTLVTag(0x420021)
    public static let contactInformation = TTLVTag(0x420022)
    public static let credential = TTLVTag(0x420023)
    public static let credentialType = TTLVTag(0x420024)
    public static let credentialValue = TTLVTag(0x420025)
    public static let criticalityIndicator = TTLVTag(0x420026)
    public static let crtCoefficient = TTLVTag(0x420027)
    public static let cryptographicAlgorithm = TTLVTag(0x420028)
    public static let cryptographicDomainParameters = TTLVTag(0x420029)
    public static let cryptographicLength = TTLVTag(0x42002A)
    public static let cryptographicParameters = TTLVTag(0x42002B)
    public static let cryptographicUsageMask = TTLVTag(0x42002C)
    public static let customAttribute = TTLVTag(0x42002D)
    public static let d = TTLVTag(0x42002E)
    public static let deactivationDate = TTLVTag(0x42002F)
    public static let derivationData = TTLVTag(0x420030)
    public static let derivationMethod = TTLVTag(0x420031)
    public static let derivationParameters = TTLVTag(0x420032)
    public static let destroyDate = TTLVTag(0x420033)
    public static let digest = TTLVTag(0x420034)
    public static let digestValue = TTLVTag(0x420035)
    public static let encryptionKeyInformation = TTLVTag(0x420036)
    public static let g = TTLVTag(0x420037)
    public static let hashingAlgorithm = TTLVTag(0x420038)
    public static let initialDate = TTLVTag(0x420039)
    public static let initializationVector = TTLVTag(0x42003A)
    public static let issuer = TTLVTag(0x42003B)
    public static let iterationCount = TTLVTag(0x42003C)
    public static let ivCounterNonce = TTLVTag(0x42003D)
    public static let j = TTLVTag(0x42003E)
    public static let key = TTLVTag(0x42003F)
    public static let keyBlock = TTLVTag(0x420040)
    public static let keyCompressionType = TTLVTag(0x420041)
    public static let keyFormatType = TTLVTag(0x420042)
    public static let keyMaterial = TTLVTag(0x420043)
    public static let keyPartIdentifier = TTLVTag(0x420044)
    public static let keyValue = TTLVTag(0x420045)
    public static let keyWrappingData = TTLVTag(0x420046)
    public static let keyWrappingSpecification = TTLVTag(0x420047)
    public static let lastChangeDate = TTLVTag(0x420048)
    public static let leaseTime = TTLVTag(0x420049)
    public static let link = TTLVTag(0x42004A)
    public static let linkType = TTLVTag(0x42004B)
    public static let linkedObjectIdentifier = TTLVTag(0x42004C)
    public static let macSignature = TTLVTag(0x42004D)
    public static let macSignatureKeyInformation = TTLVTag(0x42004E)
    public static let maximumItems = TTLVTag(0x42004F)
    public static let maximumResponseSize = TTLVTag(0x420050)
    public static let messageExtension = TTLVTag(0x420051)
    public static let modulus = TTLVTag(0x420052)
    public static let name = TTLVTag(0x420053)
    public static let nameType = TTLVTag(0x420054)
    public static let nameValue = TTLVTag(0x420055)
    public static let objectGroup = TTLVTag(0x420056)
    public static let objectType = TTLVTag(0x420057)
    public static let offset = TTLVTag(0x420058)
    public static let opaqueDataType = TTLVTag(0x420059)
    public static let opaqueDataValue = TTLVTag(0x42005A)
    public static let opaqueObject = TTLVTag(0x42005B)
    public static let operation = TTLVTag(0x42005C)
    public static let operationPolicyName = TTLVTag(0x42005D)
    public static let p = TTLVTag(0x42005E)
    public static let paddingMethod = TTLVTag(0x42005F)
    public static let primeExponentP = TTLVTag(0x420060)
    public static let primeExponentQ = TTLVTag(0x420061)
    public static let primeFieldSize = TTLVTag(0x420062)
    public static let privateExponent = TTLVTag(0x420063)
    public static let privateKey = TTLVTag(0x420064)
    public static let privateKeyTemplateAttribute = TTLVTag(0x420065)
    public static let privateKeyUniqueIdentifier = TTLVTag(0x420066)
    public static let processStartDate = TTLVTag(0x420067)
    public static let protectStopDate = TTLVTag(0x420068)
    public static let protocolVersion = TTLVTag(0x420069)
    public static let protocolVersionMajor = TTLVTag(0x42006A)
    public static let protocolVersionMinor = TTLVTag(0x42006B)
    public static let publicExponent = TTLVTag(0x42006C)
    public static let publicKey = TTLVTag(0x42006D)
    public static let publicKeyTemplateAttribute = TTLVTag(0x42006E)
    public static let publicKeyUniqueIdentifier = TTLVTag(0x42006F)
    public static let putFunction = TTLVTag(0x420070)
    public static let q = TTLVTag(0x420071)
    public static let qString = TTLVTag(0x420072)
    public static let qlength = TTLVTag(0x420073)
    public static let queryFunction = TTLVTag(0x420074)
    public static let recommendedCurve = TTLVTag(0x420075)
    public static let replacedUniqueIdentifier = TTLVTag(0x420076)
    public static let requestBatchItem = TTLVTag(0x42000F)
    public static let requestHeader = TTLVTag(0x420077)
    public static let requestMessage = TTLVTag(0x420078)
    public static let requestPayload = TTLVTag(0x420079)
    public static let responseBatchItem = TTLVTag(0x42000F)
    public static let responseHeader = TTLVTag(0x42007A)
    public static let responseMessage = TTLVTag(0x42007B)
    public static let responsePayload = TTLVTag(0x42007C)
    public static let resultMessage = TTLVTag(0x42007D)
    public static let resultReason = TTLVTag(0x42007E)
    public static let resultStatus = TTLVTag(0x42007F)
    public static let revocationMessage = TTLVTag(0x420080)
    public static let revocationReason = TTLVTag(0x420081)
    public static let revocationReasonCode = TTLVTag(0x420082)
    public static let keyRoleType = TTLVTag(0x420083)
    public static let salt = TTLVTag(0x420084)
    public static let secretData = TTLVTag(0x420085)
    public static let secretDataType = TTLVTag(0x420086)
    public static let serialNumber = TTLVTag(0x420087)
    public static let serverInformation = TTLVTag(0x420088)
    public static let splitKey = TTLVTag(0x420089)
    public static let splitKeyMethod = TTLVTag(0x42008A)
    public static let splitKeyParts = TTLVTag(0x42008B)
    public static let splitKeyThreshold = TTLVTag(0x42008C)
    public static let state = TTLVTag(0x42008D)
    public static let storageStatusMask = TTLVTag(0x42008E)
    public static let symmetricKey = TTLVTag(0x42008F)
    public static let template = TTLVTag(0x420090)
    public static let templateAttribute = TTLVTag(0x420091)
    public static let timeStamp = TTLVTag(0x420092)
    public static let uniqueBatchItemId = TTLVTag(0x420093)
    public static let uniqueIdentifier = TTLVTag(0x420094)
    public static let usageLimits = TTLVTag(0x420095)
    public static let usageLimitsCount = TTLVTag(0x420096)
    public static let usageLimitsTotal = TTLVTag(0x420097)
    public static let usageLimitsUnit = TTLVTag(0x420098)
    public static let username = TTLVTag(0x420099)
    public static let validityDate = TTLVTag(0x42009A)
    public static let validityIndicator = TTLVTag(0x42009B)
    public static let vendorExtension = TTLVTag(0x42009C)
    public static let vendorIdentification = TTLVTag(0x42009D)
    public static let wrappingMethod = TTLVTag(0x42009E)
    public static let x = TTLVTag(0x42009F)
    public static let y = TTLVTag(0x4200A0)
    public static let password = TTLVTag(0x4200A1)
    public static let deviceIdentifier = TTLVTag(0x4200A2)
    public static let encodingOption = TTLVTag(0x4200A3)
    public static let extensionInformation = TTLVTag(0x4200A4)
    public static let extensionName = TTLVTag(0x4200A5)
    public static let extensionTag = TTLVTag(0x4200A6)
    public static let extensionType = TTLVTag(0x4200A7)
    public static let fresh = TTLVTag(0x4200A8)
    public static let machineIdentifier = TTLVTag(0x4200A9)
    public static let mediaIdentifier = TTLVTag(0x4200AA)
    public static let networkIdentifier = TTLVTag(0x4200AB)
    public static let objectGroupMember = TTLVTag(0x4200AC)
    public static let certificateLength = TTLVTag(0x4200AD)
    public static let digitalSignatureAlgorithm = TTLVTag(0x4200AE)
    public static let certificateSerialNumber = TTLVTag(0x4200AF)
    public static let deviceSerialNumber = TTLVTag(0x4200B0)
    public static let issuerAlternativeName = TTLVTag(0x4200B1)
    public static let issuerDistinguishedName = TTLVTag(0x4200B2)
    public static let subjectAlternativeName = TTLVTag(0x4200B3)
    public static let subjectDistinguishedName = TTLVTag(0x4200B4)
    public static let x509CertificateIdentifier = TTLVTag(0x4200B5)
    public static let x509CertificateIssuer = TTLVTag(0x4200B6)
    public static let x509CertificateSubject = TTLVTag(0x4200B7)
    public static let keyValueLocation = TTLVTag(0x4200B8)
    public static let keyValueLocationValue = TTLVTag(0x4200B9)
    public static let keyValueLocationType = TTLVTag(0x4200BA)
    public static let keyValuePresent = TTLVTag(0x4200BB)
    public static let originalCreationDate = TTLVTag(0x4200BC)
    public static let pgpKey = TTLVTag(0x4200BD)
    public static let pgpKeyVersion = TTLVTag(0x4200BE)
    public static let alternativeName = TTLVTag(0x4200BF)
    public static let alternativeNameValue = TTLVTag(0x4200C0)
    public static let alternativeNameType = TTLVTag(0x4200C1)
    public static let data = TTLVTag(0x4200C2)
    public static let signatureData = TTLVTag(0x4200C3)
    public static let dataLength = TTLVTag(0x4200C4)
    public static let randomIv = TTLVTag(0x4200C5)
    public static let macData = TTLVTag(0x4200C6)
    public static let attestationType = TTLVTag(0x4200C7)
    public static let nonce = TTLVTag(0x4200C8)
    public static let nonceId = TTLVTag(0x4200C9)
    public static let nonceValue = TTLVTag(0x4200CA)
    public static let attestationMeasurement = TTLVTag(0x4200CB)
    public static let attestationAssertion = TTLVTag(0x4200CC)
    public static let ivLength = TTLVTag(0x4200CD)
    public static let tagLength = TTLVTag(0x4200CE)
    public static let fixedFieldLength = TTLVTag(0x4200CF)
    public static let counterLength = TTLVTag(0x4200D0)
    public static let initialCounterValue = TTLVTag(0x4200D1)
    public static let invocationFieldLength = TTLVTag(0x4200D2)
    public static let attestationCapableIndicator = TTLVTag(0x4200D3)
    public static let offsetItems = TTLVTag(0x4200D4)
    public static let locatedItems = TTLVTag(0x4200D5)
    public static let correlationValue = TTLVTag(0x4200D6)
    public static let initIndicator = TTLVTag(0x4200D7)
    public static let finalIndicator = TTLVTag(0x4200D8)
    public static let rngParameters = TTLVTag(0x4200D9)
    public static let rngAlgorithm = TTLVTag(0x4200DA)
    public static let drbgAlgorithm = TTLVTag(0x4200DB)
    public static let fips186Variation = TTLVTag(0x4200DC)
    public static let predictionResistance = TTLVTag(0x4200DD)
    public static let randomNumberGenerator = TTLVTag(0x4200DE)
    public static let validationInformation = TTLVTag(0x4200DF)
    public static let validationAuthorityType = TTLVTag(0x4200E0)
    public static let validationAuthorityCountry = TTLVTag(0x4200E1)
    public static let validationAuthorityUri = TTLVTag(0x4200E2)
    public static let validationVersionMajor = TTLVTag(0x4200E3)
    public static let validationVersionMinor = TTLVTag(0x4200E4)
    public static let validationType = TTLVTag(0x4200E5)
    public static let validationLevel = TTLVTag(0x4200E6)
    public static let validationCertificateIdentifier = TTLVTag(0x4200E7)
    public static let validationCertificateUri = TTLVTag(0x4200E8)
    public static let validationVendorUri = TTLVTag(0x4200E9)
    public static let validationProfile = TTLVTag(0x4200EA)
    public static let profileInformation = TTLVTag(0x4200EB)
    public static let profileName = TTLVTag(0x4200EC)
    public static let serverUri = TTLVTag(0x4200ED)
    public static let serverPort = TTLVTag(0x4200EE)
    public static let streamingCapability = TTLVTag(0x4200EF)
    public static let asynchronousCapability = TTLVTag(0x4200F0)
    public static let attestationCapability = TTLVTag(0x4200F1)
    public static let unwrapMode = TTLVTag(0x4200F2)
    public static let destroyAction = TTLVTag(0x4200F3)
    public static let shreddingAlgorithm = TTLVTag(0x4200F4)
    public static let rngMode = TTLVTag(0x4200F5)
    public static let clientRegistrationMethod = TTLVTag(0x4200F6)
    public static let capabilityInformation = TTLVTag(0x4200F7)
    public static let keyWrapType = TTLVTag(0x4200F8)
    public static let batchUndoCapability = TTLVTag(0x4200F9)
    public static let batchContinueCapability = TTLVTag(0x4200FA)
    public static let pkcs12FriendlyName = TTLVTag(0x4200FB)
    public static let description = TTLVTag(0x4200FC)
    public static let comment = TTLVTag(0x4200FD)
    public static let authenticatedEncryptionAdditionalData = TTLVTag(0x4200FE)
    public static let authenticatedEncryptionTag = TTLVTag(0x4200FF)
    public static let saltLength = TTLVTag(0x420100)
    public static let maskGenerator = TTLVTag(0x420101)
    public static let maskGeneratorHashingAlgorithm = TTLVTag(0x420102)
    public static let pSource = TTLVTag(0x420103)
    public static let trailerField = TTLVTag(0x420104)
    public static let clientCorrelationValue = TTLVTag(0x420105)
    public static let serverCorrelationValue = TTLVTag(0x420106)
    public static let digestedData = TTLVTag(0x420107)
    public static let certificateSubjectCn = TTLVTag(0x420108)
    public static let certificateSubjectO = TTLVTag(0x420109)
    public static let certificateSubjectOu = TTLVTag(0x42010A)
    public static let certificateSubjectEmail = TTLVTag(0x42010B)
    public static let certificateSubjectC = TTLVTag(0x42010C)
    public static let certificateSubjectSt = TTLVTag(0x42010D)
    public static let certificateSubjectL = TTLVTag(0x42010E)
    public static let certificateSubjectUid = TTLVTag(0x42010F)
    public static let certificateSubjectSerialNumber = TTLVTag(0x420110)
    public static let certificateSubjectTitle = TTLVTag(0x420111)
    public static let certificateSubjectDc = TTLVTag(0x420112)
    public static let certificateSubjectDnQualifier = TTLVTag(0x420113)
    public static let certificateIssuerCn = TTLVTag(0x420114)
    public static let certificateIssuerO = TTLVTag(0x420115)
    public static let certificateIssuerOu = TTLVTag(0x420116)
    public static let certificateIssuerEmail = TTLVTag(0x420117)
    public static let certificateIssuerC = TTLVTag(0x420118)
    public static let certificateIssuerSt = TTLVTag(0x420119)
    public static let certificateIssuerL = TTLVTag(0x42011A)
    public static let certificateIssuerUid = TTLVTag(0x42011B)
    public static let certificateIssuerSerialNumber = TTLVTag(0x42011C)
    public static let certificateIssuerTitle = TTLVTag(0x42011D)
    public static let certificateIssuerDc = TTLVTag(0x42011E)
    public static let certificateIssuerDnQualifier = TTLVTag(0x42011F)
    public static let sensitive = TTLVTag(0x420120)
    public static let alwaysSensitive = TTLVTag(0x420121)
    public static let extractable = TTLVTag(0x420122)
    public static let neverExtractable = TTLVTag(0x420123)
    public static let replaceExisting = TTLVTag(0x420124)
    public static let attributes = TTLVTag(0x420125)
    public static let commonAttributes = TTLVTag(0x420126)
    public static let privateKeyAttributes = TTLVTag(0x420127)
    public static let publicKeyAttributes = TTLVTag(0x420128)
    public static let extensionEnumeration = TTLVTag(0x420129)
    public static let extensionAttribute = TTLVTag(0x42012A)
    public static let extensionParentStructureTag = TTLVTag(0x42012B)
    public static let extensionDescription = TTLVTag(0x42012C)
    public static let serverName = TTLVTag(0x42012D)
    public static let serverSerialNumber = TTLVTag(0x42012E)
    public static let serverVersion = TTLVTag(0x42012F)
    public static let serverLoad = TTLVTag(0x420130)
    public static let productName = TTLVTag(0x420131)
    public static let buildLevel = TTLVTag(0x420132)
    public static let buildDate = TTLVTag(0x420133)
    public static let clusterInfo = TTLVTag(0x420134)
    public static let alternateFailoverEndpoints = TTLVTag(0x420135)
    public static let shortUniqueIdentifier = TTLVTag(0x420136)
    public static let reserved = TTLVTag(0x420137)
    public static let tag = TTLVTag(0x420138)
    public static let certificateRequestUniqueIdentifier = TTLVTag(0x420139)
    public static let nistKeyType = TTLVTag(0x42013A)
    public static let attributeReference = TTLVTag(0x42013B)
    public static let currentAttribute = TTLVTag(0x42013C)
    public static let newAttribute = TTLVTag(0x42013D)
    public static let certificateRequestValue = TTLVTag(0x420140)
    public static let logMessage = TTLVTag(0x420141)
    public static let profileVersion = TTLVTag(0x420142)
    public static let profileVersionMajor = TTLVTag(0x420143)
    public static let profileVersionMinor = TTLVTag(0x420144)
    public static let protectionLevel = TTLVTag(0x420145)
    public static let protectionPeriod = TTLVTag(0x420146)
    public static let quantumSafe = TTLVTag(0x420147)
    public static let quantumSafeCapability = TTLVTag(0x420148)
    public static let ticket = TTLVTag(0x420149)
    public static let ticketType = TTLVTag(0x42014A)
    public static let ticketValue = TTLVTag(0x42014B)
    public static let requestCount = TTLVTag(0x42014C)
    public static let rights = TTLVTag(0x42014D)
    public static let objects = TTLVTag(0x42014E)
    public static let operations = TTLVTag(0x42014F)
    public static let right = TTLVTag(0x420150)
    public static let endpointRole = TTLVTag(0x420151)
    public static let defaultsInformation = TTLVTag(0x420152)
    public static let objectDefaults = TTLVTag(0x420153)
    public static let ephemeral = TTLVTag(0x420154)
    public static let serverHashedPassword = TTLVTag(0x420155)
    public static let oneTimePassword = TTLVTag(0x420156)
    public static let hashedPassword = TTLVTag(0x420157)
    public static let adjustmentType = TTLVTag(0x420158)
    public static let pkcs11Interface = TTLVTag(0x420159)
    public static let pkcs11Function = TTLVTag(0x42015A)
    public static let pkcs11InputParameters = TTLVTag(0x42015B)
    public static let pkcs11OutputParameters = TTLVTag(0x42015C)
    public static let pkcs11ReturnCode = TTLVTag(0x42015D)
    public static let protectionStorageMask = TTLVTag(0x42015E)
    public static let protectionStorageMasks = TTLVTag(0x42015F)
    public static let interopFunction = TTLVTag(0x420160)
    public static let interopIdentifier = TTLVTag(0x420161)
    public static let adjustmentValue = TTLVTag(0x420162)
    public static let commonProtectionStorageMasks = TTLVTag(0x420163)
    public static let privateProtectionStorageMasks = TTLVTag(0x420164)
    public static let publicProtectionStorageMasks = TTLVTag(0x420165)
}

extension TTLVTag {
    /// The version that introduced this tag; nil for tags KMIP does not define.
    public var introducedIn: KMIPVersion? {
        guard let (major, minor) = Self.introduced[rawValue] else { return nil }
        return KMIPVersion(major: major, minor: minor)
    }

    /// Tags KMIP 2.0 marks "(Reserved)": defined in 1.x only.
    public var isReservedSince20: Bool { Self.reservedSince20.contains(rawValue) }

    private static let introduced: [UInt32: (Int32, Int32)] = [
        0x420001: (1, 0),
        0x420002: (1, 0),
        0x420003: (1, 0),
        0x420004: (1, 0),
        0x420005: (1, 0),
        0x420006: (1, 0),
        0x420007: (1, 0),
        0x420008: (1, 0),
        0x420009: (1, 0),
        0x42000A: (1, 0),
        0x42000B: (1, 0),
        0x42000C: (1, 0),
        0x42000D: (1, 0),
        0x42000E: (1, 0),
        0x42000F: (1, 0),
        0x420010: (1, 0),
        0x420011: (1, 0),
        0x420012: (1, 0),
        0x420013: (1, 0),
        0x420014: (1, 0),
        0x420015: (1, 0),
        0x420016: (1, 0),
        0x420017: (1, 0),
        0x420018: (1, 0),
        0x420019: (1, 0),
        0x42001A: (1, 0),
        0x42001B: (1, 0),
        0x42001C: (1, 0),
        0x42001D: (1, 0),
        0x42001E: (1, 0),
        0x42001F: (1, 0),
        0x420020: (1, 0),
        0x420021: (1, 0),
        0x420022: (1, 0),
        0x420023: (1, 0),
        0x420024: (1, 0),
        0x420025: (1, 0),
        0x420026: (1, 0),
        0x420027: (1, 0),
        0x420028: (1, 0),
        0x420029: (1, 0),
        0x42002A: (1, 0),
        0x42002B: (1, 0),
        0x42002C: (1, 0),
        0x42002D: (1, 0),
        0x42002E: (1, 0),
        0x42002F: (1, 0),
        0x420030: (1, 0),
        0x420031: (1, 0),
        0x420032: (1, 0),
        0x420033: (1, 0),
        0x420034: (1, 0),
        0x420035: (1, 0),
        0x420036: (1, 0),
        0x420037: (1, 0),
        0x420038: (1, 0),
        0x420039: (1, 0),
        0x42003A: (1, 0),
        0x42003B: (1, 0),
        0x42003C: (1, 0),
        0x42003D: (1, 0),
        0x42003E: (1, 0),
        0x42003F: (1, 0),
        0x420040: (1, 0),
        0x420041: (1, 0),
        0x420042: (1, 0),
        0x420043: (1, 0),
        0x420044: (1, 0),
        0x420045: (1, 0),
        0x420046: (1, 0),
        0x420047: (1, 0),
        0x420048: (1, 0),
        0x420049: (1, 0),
        0x42004A: (1, 0),
        0x42004B: (1, 0),
        0x42004C: (1, 0),
        0x42004D: (1, 0),
        0x42004E: (1, 0),
        0x42004F: (1, 0),
        0x420050: (1, 0),
        0x420051: (1, 0),
        0x420052: (1, 0),
        0x420053: (1, 0),
        0x420054: (1, 0),
        0x420055: (1, 0),
        0x420056: (1, 0),
        0x420057: (1, 0),
        0x420058: (1, 0),
        0x420059: (1, 0),
        0x42005A: (1, 0),
        0x42005B: (1, 0),
        0x42005C: (1, 0),
        0x42005D: (1, 0),
        0x42005E: (1, 0),
        0x42005F: (1, 0),
        0x420060: (1, 0),
        0x420061: (1, 0),
        0x420062: (1, 0),
        0x420063: (1, 0),
        0x420064: (1, 0),
        0x420065: (1, 0),
        0x420066: (1, 0),
        0x420067: (1, 0),
        0x420068: (1, 0),
        0x420069: (1, 0),
        0x42006A: (1, 0),
        0x42006B: (1, 0),
        0x42006C: (1, 0),
        0x42006D: (1, 0),
        0x42006E: (1, 0),
        0x42006F: (1, 0),
        0x420070: (1, 0),
        0x420071: (1, 0),
        0x420072: (1, 0),
        0x420073: (1, 0),
        0x420074: (1, 0),
        0x420075: (1, 0),
        0x420076: (1, 0),
        0x420077: (1, 0),
        0x420078: (1, 0),
        0x420079: (1, 0),
        0x42007A: (1, 0),
        0x42007B: (1, 0),
        0x42007C: (1, 0),
        0x42007D: (1, 0),
        0x42007E: (1, 0),
        0x42007F: (1, 0),
        0x420080: (1, 0),
        0x420081: (1, 0),
        0x420082: (1, 0),
        0x420083: (1, 0),
        0x420084: (1, 0),
        0x420085: (1, 0),
        0x420086: (1, 0),
        0x420087: (1, 0),
        0x420088: (1, 0),
        0x420089: (1, 0),
        0x42008A: (1, 0),
        0x42008B: (1, 0),
        0x42008C: (1, 0),
        0x42008D: (1, 0),
        0x42008E: (1, 0),
        0x42008F: (1, 0),
        0x420090: (1, 0),
        0x420091: (1, 0),
        0x420092: (1, 0),
        0x420093: (1, 0),
        0x420094: (1, 0),
        0x420095: (1, 0),
        0x420096: (1, 0),
        0x420097: (1, 0),
        0x420098: (1, 0),
        0x420099: (1, 0),
        0x42009A: (1, 0),
        0x42009B: (1, 0),
        0x42009C: (1, 0),
        0x42009D: (1, 0),
        0x42009E: (1, 0),
        0x42009F: (1, 0),
        0x4200A0: (1, 0),
        0x4200A1: (1, 0),
        0x4200A2: (1, 1),
        0x4200A3: (1, 1),
        0x4200A4: (1, 1),
        0x4200A5: (1, 1),
        0x4200A6: (1, 1),
        0x4200A7: (1, 1),
        0x4200A8: (1, 1),
        0x4200A9: (1, 1),
        0x4200AA: (1, 1),
        0x4200AB: (1, 1),
        0x4200AC: (1, 1),
        0x4200AD: (1, 1),
        0x4200AE: (1, 1),
        0x4200AF: (1, 1),
        0x4200B0: (1, 1),
        0x4200B1: (1, 1),
        0x4200B2: (1, 1),
        0x4200B3: (1, 1),
        0x4200B4: (1, 1),
        0x4200B5: (1, 1),
        0x4200B6: (1, 1),
        0x4200B7: (1, 1),
        0x4200B8: (1, 2),
        0x4200B9: (1, 2),
        0x4200BA: (1, 2),
        0x4200BB: (1, 2),
        0x4200BC: (1, 2),
        0x4200BD: (1, 2),
        0x4200BE: (1, 2),
        0x4200BF: (1, 2),
        0x4200C0: (1, 2),
        0x4200C1: (1, 2),
        0x4200C2: (1, 2),
        0x4200C3: (1, 2),
        0x4200C4: (1, 2),
        0x4200C5: (1, 2),
        0x4200C6: (1, 2),
        0x4200C7: (1, 2),
        0x4200C8: (1, 2),
        0x4200C9: (1, 2),
        0x4200CA: (1, 2),
        0x4200CB: (1, 2),
        0x4200CC: (1, 2),
        0x4200CD: (1, 2),
        0x4200CE: (1, 2),
        0x4200CF: (1, 2),
        0x4200D0: (1, 2),
        0x4200D1: (1, 2),
        0x4200D2: (1, 2),
        0x4200D3: (1, 2),
        0x4200D4: (1, 3),
        0x4200D5: (1, 3),
        0x4200D6: (1, 3),
        0x4200D7: (1, 3),
        0x4200D8: (1, 3),
        0x4200D9: (1, 3),
        0x4200DA: (1, 3),
        0x4200DB: (1, 3),
        0x4200DC: (1, 3),
        0x4200DD: (1, 3),
        0x4200DE: (1, 3),
        0x4200DF: (1, 3),
        0x4200E0: (1, 3),
        0x4200E1: (1, 3),
        0x4200E2: (1, 3),
        0x4200E3: (1, 3),
        0x4200E4: (1, 3),
        0x4200E5: (1, 3),
        0x4200E6: (1, 3),
        0x4200E7: (1, 3),
        0x4200E8: (1, 3),
        0x4200E9: (1, 3),
        0x4200EA: (1, 3),
        0x4200EB: (1, 3),
        0x4200EC: (1, 3),
        0x4200ED: (1, 3),
        0x4200EE: (1, 3),
        0x4200EF: (1, 3),
        0x4200F0: (1, 3),
        0x4200F1: (1, 3),
        0x4200F2: (1, 3),
        0x4200F3: (1, 3),
        0x4200F4: (1, 3),
        0x4200F5: (1, 3),
        0x4200F6: (1, 3),
        0x4200F7: (1, 3),
        0x4200F8: (1, 4),
        0x4200F9: (1, 4),
        0x4200FA: (1, 4),
        0x4200FB: (1, 4),
        0x4200FC: (1, 4),
        0x4200FD: (1, 4),
        0x4200FE: (1, 4),
        0x4200FF: (1, 4),
        0x420100: (1, 4),
        0x420101: (1, 4),
        0x420102: (1, 4),
        0x420103: (1, 4),
        0x420104: (1, 4),
        0x420105: (1, 4),
        0x420106: (1, 4),
        0x420107: (1, 4),
        0x420108: (1, 4),
        0x420109: (1, 4),
        0x42010A: (1, 4),
        0x42010B: (1, 4),
        0x42010C: (1, 4),
        0x42010D: (1, 4),
        0x42010E: (1, 4),
        0x42010F: (1, 4),
        0x420110: (1, 4),
        0x420111: (1, 4),
        0x420112: (1, 4),
        0x420113: (1, 4),
        0x420114: (1, 4),
        0x420115: (1, 4),
        0x420116: (1, 4),
        0x420117: (1, 4),
        0x420118: (1, 4),
        0x420119: (1, 4),
        0x42011A: (1, 4),
        0x42011B: (1, 4),
        0x42011C: (1, 4),
        0x42011D: (1, 4),
        0x42011E: (1, 4),
        0x42011F: (1, 4),
        0x420120: (1, 4),
        0x420121: (1, 4),
        0x420122: (1, 4),
        0x420123: (1, 4),
        0x420124: (1, 4),
        0x420125: (2, 0),
        0x420126: (2, 0),
        0x420127: (2, 0),
        0x420128: (2, 0),
        0x420129: (2, 0),
        0x42012A: (2, 0),
        0x42012B: (2, 0),
        0x42012C: (2, 0),
        0x42012D: (2, 0),
        0x42012E: (2, 0),
        0x42012F: (2, 0),
        0x420130: (2, 0),
        0x420131: (2, 0),
        0x420132: (2, 0),
        0x420133: (2, 0),
        0x420134: (2, 0),
        0x420135: (2, 0),
        0x420136: (2, 0),
        0x420137: (2, 0),
        0x420138: (2, 0),
        0x420139: (2, 0),
        0x42013A: (2, 0),
        0x42013B: (2, 0),
        0x42013C: (2, 0),
        0x42013D: (2, 0),
        0x420140: (2, 0),
        0x420141: (2, 0),
        0x420142: (2, 0),
        0x420143: (2, 0),
        0x420144: (2, 0),
        0x420145: (2, 0),
        0x420146: (2, 0),
        0x420147: (2, 0),
        0x420148: (2, 0),
        0x420149: (2, 0),
        0x42014A: (2, 0),
        0x42014B: (2, 0),
        0x42014C: (2, 0),
        0x42014D: (2, 0),
        0x42014E: (2, 0),
        0x42014F: (2, 0),
        0x420150: (2, 0),
        0x420151: (2, 0),
        0x420152: (2, 0),
        0x420153: (2, 0),
        0x420154: (2, 0),
        0x420155: (2, 0),
        0x420156: (2, 0),
        0x420157: (2, 0),
        0x420158: (2, 0),
        0x420159: (2, 0),
        0x42015A: (2, 0),
        0x42015B: (2, 0),
        0x42015C: (2, 0),
        0x42015D: (2, 0),
        0x42015E: (2, 0),
        0x42015F: (2, 0),
        0x420160: (2, 0),
        0x420161: (2, 0),
        0x420162: (2, 0),
        0x420163: (2, 0),
        0x420164: (2, 0),
        0x420165: (2, 0),
    ]

    private static let reservedSince20: Set<UInt32> = [
        0x420009, 0x420014, 0x420015, 0x420016, 0x420017, 0x42001A, 0x42001B, 0x42001C, 0x42001F, 0x42002D, 0x42003B, 0x42005D, 0x420065, 0x42006E, 0x420087, 0x420090, 0x420091,
    ]
}
