import Testing
import OpenKCMCore

@Suite struct KeyStateTests {
    @Test func onlyActiveKeysWrapAndActiveOrDeactivatedKeysUnwrap() {
        #expect(KeyState.allCases.filter(\.canWrap) == [.active])
        #expect(KeyState.allCases.filter(\.canUnwrap) == [.active, .deactivated])
        #expect(KeyState.allCases.filter(\.isDestroyed) == [.destroyed, .destroyedCompromised])
    }

    @Test func transitionsFollowKMIP() {
        let allowed: Set<String> = [
            "pre-active>active", "pre-active>compromised", "pre-active>destroyed",
            "active>deactivated", "active>compromised",
            "deactivated>compromised", "deactivated>destroyed",
            "compromised>destroyed-compromised", "destroyed>destroyed-compromised",
        ]
        for from in KeyState.allCases {
            for to in KeyState.allCases {
                #expect(from.canTransition(to: to) == allowed.contains("\(from)>\(to)"), "\(from) -> \(to)")
            }
        }
    }
}
