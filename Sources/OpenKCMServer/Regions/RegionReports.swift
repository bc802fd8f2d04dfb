public import Foundation
public import OpenKCMCore
import Synchronization

/// The governance plane's memory of what each region last reported (kept per
/// governance node, not stored: it is a view of now, rebuilt by the next
/// heartbeats after a restart).
public final class RegionReports: Sendable {
    private let reports = Mutex<[RegionID: (report: RegionReport, at: Date)]>([:])
    /// A region not heard from for this long is shown as unreachable: three heartbeats.
    static let freshFor: TimeInterval = 30

    public init() {}

    func record(_ report: RegionReport, at now: Date = Date()) {
        reports.withLock { $0[report.region] = (report, now) }
    }

    /// `tenant`'s state in each of `regions`, as each last reported it.
    func states(of tenant: TenantID, in regions: [RegionID], now: Date = Date()) -> [RegionTenantStatus] {
        reports.withLock { reports in
            regions.map { region in
                guard let (report, at) = reports[region], now.timeIntervalSince(at) <= Self.freshFor else {
                    return RegionTenantStatus(region: region.rawValue, state: "unreachable", cause: nil, reportedAt: reports[region]?.at)
                }
                let state = report.tenants[tenant.rawValue]
                return RegionTenantStatus(region: region.rawValue, state: state?.state ?? "absent", cause: state?.cause, reportedAt: at)
            }
        }
    }
}
