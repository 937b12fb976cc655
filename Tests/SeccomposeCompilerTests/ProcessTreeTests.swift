// ProcessTree: the proc connector and the /proc walk fallback (the live attribution of audit
// records to descendants is in AuditSourceLiveTests).

@testable import SeccomposeRuntime
import SeccomposeTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("process trees", .serialized)
struct ProcessTreeTests {
    @Test("descendants of every depth are members after they exited and were reaped; threads are not")
    func deepChain() throws {
        try AuditLive.requireRoot()
        let tree = ProcessTree()
        #expect(tree.mechanism == .procConnector, "\(tree.fallbackReason ?? "")")
        let program = try AuditLive.program([:])
        let root = try AuditLive.spawn(["/bin/sh", "-c", "sh -c 'sh -c \"echo $$ > /dev/null; true\"; true'; true"], program)
        tree.add(root: root)
        #expect(AuditLive.wait(root) == 0)
        // sh, sh, sh (the innermost may exec true) and at least two more processes beyond the root.
        let members = tree.members
        #expect(members.contains(root))
        #expect(members.count >= 3, "\(members)")
        #expect(members.allSatisfy { $0 == root || kill($0, 0) != 0 }, "every descendant has exited")
        #expect(members.allSatisfy { tree.contains($0) })
        #expect(tree.isComplete)
    }

    @Test("the /proc walk fallback finds living descendants and says when it cannot tell")
    func procWalk() throws {
        var members: Set<Int32> = [getppid()]
        #expect(ProcessTree.parentPID(of: getpid()) == getppid())
        #expect(ProcessTree.walk(getpid(), members: &members) == .member)
        #expect(members.contains(getpid()))
        var none: Set<Int32> = [Int32.max - 1]
        #expect(ProcessTree.walk(getpid(), members: &none) == .notMember)
        // A process that does not exist cannot be placed.
        #expect(ProcessTree.walk(Int32.max - 2, members: &none) == .unknown)
    }

    @Test("a root not forked after the tree was created makes the tree fall back to the /proc walk")
    func fallbackOnUnverifiedRoot() throws {
        try AuditLive.requireRoot()
        let tree = ProcessTree()
        tree.add(root: getppid())
        #expect(tree.mechanism == .procWalk)
        #expect(tree.fallbackReason?.contains("no fork event") == true, "\(tree.fallbackReason ?? "")")
        #expect(!tree.isComplete)
        #expect(tree.contains(getpid()), "a living descendant is still found by walking /proc")
    }

}
