// The directive filters are cached per set of directive values (ExecDirectives.LayerCache): a
// property of ExecDirectives that a filter reads but the cache key leaves out would hand one unit
// another unit's filters. This test lists every stored property and says where it goes, so a new
// one fails here until it is put in the key (or named as one no filter reads).

@testable import SeccomposeSystemd
import SeccomposeSets
import SeccomposeSyscalls
import Testing

@Suite("Directive filter cache: the key covers what the filters read")
struct LayerCacheKeyTests {
    /// ExecDirectives' stored properties that `LayerCache.Key` holds (by the same name).
    static let keyed: Set<String> = [
        "addressFamilies", "addressFamiliesAllowList", "namespacesRetained", "memoryDenyWriteExecute", "kernelHasMDWE",
        "lockPersonality", "personality", "managerPersonality", "restrictRealtime", "restrictSUIDSGID", "protectClock",
        "protectKernelModules", "protectKernelLogs", "protectKernelTunables", "protectHostname", "privateDevices",
    ]
    /// Those the key holds in another form: the context (version, catalog version, native ABI,
    /// argument widths) and which settings have an origin (the origins themselves are put in per unit).
    static let keyedOtherwise: Set<String> = ["context", "origins"]
    /// Those no filter reads: the hostname a unit sets, and NoNewPrivileges= (whether a filter
    /// may be installed, not what it says).
    static let unread: Set<String> = ["protectHostnameName", "noNewPrivileges"]

    @Test("every stored property of ExecDirectives is in the key, or named as read by no filter")
    func everyPropertyPlaced() throws {
        let d = ExecDirectives(context: try SystemdContext(version: .v252, native: .x86_64))
        let stored = Set(Mirror(reflecting: d).children.compactMap(\.label))
        let placed = Self.keyed.union(Self.keyedOtherwise).union(Self.unread)
        #expect(stored.subtracting(placed).isEmpty,
            "put \(stored.subtracting(placed).sorted()) into ExecDirectives.LayerCache.Key (or into `unread` here, if no filter reads it)")
        #expect(placed.subtracting(stored).isEmpty, "no longer stored: \(placed.subtracting(stored).sorted())")
        let keyFields = Set(Mirror(reflecting: ExecDirectives.LayerCache.Key(d, allowed: [.x86_64])).children.compactMap(\.label))
        #expect(Self.keyed.subtracting(keyFields).isEmpty, "the key lacks \(Self.keyed.subtracting(keyFields).sorted())")
    }
}
