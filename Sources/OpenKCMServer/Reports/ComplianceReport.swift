public import Foundation
import OpenKCMCore

/// Rotation compliance across every tenant and service (`GET /v1/reports/compliance`,
/// `openkcm report compliance`): each key's age, due date and whether it is
/// overdue, the versions still opening data, and each tenant's L1 and kill switch.
public struct ComplianceReport: Sendable, Codable, Equatable {
    public var generatedAt: Date
    /// The node that made it (replicas), if any.
    public var node: String?
    /// The platform's rotation period (`[rotation] period_days`), and whether the schedule runs.
    public var platformPeriodSeconds: Int
    public var tenants: [ComplianceTenant]
    public var summary: Summary

    public struct Summary: Sendable, Codable, Equatable {
        public var tenants: Int
        public var keys: Int
        public var overdue: Int
        public var killSwitchNotReady: Int
    }

    init(generatedAt: Date, node: String?, platformPeriodSeconds: Int, tenants: [ComplianceTenant]) {
        self.generatedAt = generatedAt
        self.node = node
        self.platformPeriodSeconds = platformPeriodSeconds
        self.tenants = tenants
        let keys = tenants.flatMap(\.keys)
        summary = Summary(tenants: tenants.count, keys: keys.count, overdue: keys.filter(\.overdue).count,
                          killSwitchNotReady: tenants.filter { !$0.killSwitchReady }.count)
    }

    /// One line per key, for spreadsheets (RFC 4180: fields with a comma, quote or line break quoted).
    public var csv: String {
        let header = "tenant,service,layer,current_version,state,created_at,age_days,period_days,period_source,due_at,overdue,open_versions,oldest_open_version,oldest_open_age_days,l1,l1_status,kill_switch_ready"
        var lines = [header]
        for tenant in tenants {
            for key in tenant.keys {
                let fields: [String] = [
                    tenant.tenant, key.service ?? "", key.layer, "\(key.currentVersion)", key.currentState?.rawValue ?? "",
                    key.createdAt.map(Timestamp.format) ?? "", key.ageSeconds.map { String($0 / 86_400) } ?? "", "\(key.periodSeconds / 86_400)",
                    key.source.rawValue, key.dueAt.map(Timestamp.format) ?? "", "\(key.overdue)", "\(key.openVersions)",
                    key.oldestOpenVersion.map { "\($0)" } ?? "", key.oldestOpenAgeSeconds.map { String($0 / 86_400) } ?? "",
                    tenant.l1, tenant.l1Status, "\(tenant.killSwitchReady)",
                ]
                lines.append(fields.map(Self.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
