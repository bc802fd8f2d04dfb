/// Every operation the server answers, named as it appears in the audit log.
public enum OperationKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    // Governance plane
    case tenantCreate = "tenant.create"
    case tenantList = "tenant.list"
    case tenantRead = "tenant.read"
    case tenantDestroy = "tenant.destroy"
    case l1Link = "l1.link"
    case l1Read = "l1.read"
    case l1Unlink = "l1.unlink"
    case l1Import = "l1.import"
    case l1Rewrap = "l1.rewrap"
    case tenantKeyRotate = "tenant-key.rotate"
    case tenantKeyRollback = "tenant-key.rollback"
    case tenantKeyMinimumVersion = "tenant-key.min-decryption-version"
    case tenantKeyCompromise = "tenant-key.compromise"
    case tenantKeyPolicy = "tenant-key.policy"
    case tenantRootRotate = "tenant-root.rotate"
    case serviceCreate = "service.create"
    case serviceList = "service.list"
    case serviceRead = "service.read"
    case serviceKeyRotate = "service-key.rotate"
    case serviceKeyPolicy = "service-key.policy"
    case serviceKeyCompromise = "service-key.compromise"
    case serviceKeyClose = "service-key.close"
    case serviceDeactivate = "service.deactivate"
    case serviceDestroy = "service.destroy"
    case regionSnapshot = "region.snapshot"
    case regionReport = "region.report"
    /// Where a service's keys are; answered without an identity (applications hold none at the governance plane).
    case serviceLocate = "service.locate"
    // Four-eyes: requests waiting for approvals
    case approvalRequest = "approval.request"
    case approvalList = "approval.list"
    case approvalApprove = "approval.approve"
    case approvalReject = "approval.reject"
    // Identities
    case identityCreate = "identity.create"
    case identityList = "identity.list"
    case identityRevoke = "identity.revoke"
    /// Any identity renewing its own token (self-service: every role).
    case identityRenew = "identity.renew"
    // KMIP clients: the server's client CA, trusted external CAs, subject mappings
    case kmipClientIssue = "kmip-client.issue"
    case kmipClientMap = "kmip-client.map"
    case kmipClientCARead = "kmip-client-ca.read"
    case kmipTrustedCAAdd = "kmip-trusted-ca.add"
    case kmipTrustedCAList = "kmip-trusted-ca.list"
    case kmipTrustedCARemove = "kmip-trusted-ca.remove"
    case kmipTrustedCARenew = "kmip-trusted-ca.renew"
    // Execution plane
    case dataKeyGenerate = "datakey.generate"
    case dataKeyWrap = "datakey.wrap"
    case dataKeyUnwrap = "datakey.unwrap"
    case dataKeyRewrap = "datakey.rewrap"
    /// A background job rewrapping an application's stored data keys.
    case rewrapJobStart = "rewrap-job.start"
    case rewrapJobRead = "rewrap-job.read"
    /// A job's results: the rewrapped data keys, the application's alone.
    case rewrapJobOutput = "rewrap-job.output"
    // KMIP managed objects (execution plane, the caller's own tenant and service)
    case kmipCreate = "kmip.create"
    case kmipRegister = "kmip.register"
    case kmipLocate = "kmip.locate"
    case kmipGet = "kmip.get"
    case kmipGetAttributes = "kmip.get-attributes"
    case kmipGetAttributeList = "kmip.get-attribute-list"
    case kmipActivate = "kmip.activate"
    case kmipChangeAttribute = "kmip.change-attribute"
    case kmipRevoke = "kmip.revoke"
    case kmipDestroy = "kmip.destroy"
    case kmipCheck = "kmip.check"
    case kmipCreateKeyPair = "kmip.create-key-pair"
    case kmipSign = "kmip.sign"
    case kmipSignatureVerify = "kmip.signature-verify"
    case kmipEncrypt = "kmip.encrypt"
    case kmipDecrypt = "kmip.decrypt"
    case kmipMAC = "kmip.mac"
    case kmipMACVerify = "kmip.mac-verify"
    case kmipReKey = "kmip.rekey"
    case kmipDeriveKey = "kmip.derive-key"
    case kmipReKeyKeyPair = "kmip.rekey-key-pair"
    case kmipHash = "kmip.hash"
    case kmipRNGRetrieve = "kmip.rng-retrieve"
    case kmipLog = "kmip.log"
    case dataKeyEvents = "datakey.events"
    case dataKeyRevoke = "datakey.revoke"
    case subjectDestroy = "subject.destroy"
    case kmipUndo = "kmip.undo"
    // Audit
    case auditRead = "audit.read"
    case auditVerify = "audit.verify"
    case reportRead = "report.read"
    // Operator
    case seal = "sys.seal"
    case rekey = "sys.rekey"
    case barrierRotate = "sys.rotate"
    case keyStatus = "sys.key-status"
    case backupCreate = "backup.create"
    case backupVerify = "backup.verify"

    public var description: String { rawValue }

    /// The plane an operation belongs to.
    public var plane: Plane {
        switch self {
        case .tenantCreate, .tenantList, .tenantRead, .tenantDestroy, .l1Link, .l1Read, .l1Unlink, .l1Import, .l1Rewrap,
            .tenantKeyRotate, .tenantKeyRollback, .tenantKeyMinimumVersion, .tenantKeyCompromise, .tenantKeyPolicy, .tenantRootRotate,
            .serviceCreate, .serviceList, .serviceRead, .serviceKeyRotate, .serviceKeyPolicy, .serviceKeyCompromise, .serviceKeyClose,
            .serviceDeactivate, .serviceDestroy,
            .approvalRequest, .approvalList, .approvalApprove, .approvalReject:
            .governance
        case .identityCreate, .identityList, .identityRevoke, .identityRenew, .kmipClientIssue, .kmipClientMap, .kmipClientCARead,
            .kmipTrustedCAAdd, .kmipTrustedCAList, .kmipTrustedCARemove, .kmipTrustedCARenew:
            .identities
        case .dataKeyGenerate, .dataKeyWrap, .dataKeyUnwrap, .dataKeyRewrap, .rewrapJobStart, .rewrapJobRead, .rewrapJobOutput, .dataKeyEvents, .dataKeyRevoke, .subjectDestroy,
            .kmipCreate, .kmipRegister, .kmipLocate, .kmipGet, .kmipGetAttributes, .kmipGetAttributeList, .kmipActivate, .kmipChangeAttribute, .kmipRevoke, .kmipDestroy, .kmipCheck, .kmipCreateKeyPair, .kmipSign, .kmipSignatureVerify, .kmipEncrypt, .kmipDecrypt, .kmipMAC, .kmipMACVerify, .kmipReKey, .kmipDeriveKey, .kmipReKeyKeyPair, .kmipHash, .kmipRNGRetrieve, .kmipLog, .kmipUndo:
            .execution
        case .regionSnapshot, .regionReport, .serviceLocate: .regions
        case .auditRead, .auditVerify, .reportRead: .audit
        case .seal, .rekey, .barrierRotate, .keyStatus, .backupCreate, .backupVerify: .operator
        }
    }
}

/// Groups of operations that roles are granted as a whole.
public enum Plane: String, Sendable, Hashable, CaseIterable {
    case governance, identities, execution, audit, `operator`
    /// What a regional core reads from the governance plane.
    case regions
}
