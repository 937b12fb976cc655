// The kernel-reads pass closes socketcall()/ipc() sub-calls reading only the direct calls' most
// restrictive outcomes where those already settle a sub-call (`closeMultiplexers`' `outcome`):
// a shortcut that must close the multiplexers exactly as reading every decision whole does.

@testable import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@Suite("kernel reads: multiplexers closed from outcomes as from whole decisions")
struct MultiplexerClosingTests {
    @Test("random tables: the changes made with the outcome shortcut are those made without it")
    func outcomeShortcut() {
        var rng = SplitMix(state: 23)
        let actions: [Action] = [.allow, .errno(1), .errno(13), .killProcess, .log, .trap(3)]
        func action() -> Action { actions[Int.random(in: 0..<actions.count, using: &rng)] }
        let names = Multiplexer.socketcall.subcalls.map(\.name) + Multiplexer.ipc.subcalls.map(\.name)
        var closed = 0
        for round in 0..<300 {
            let abi: Architecture = round % 3 == 0 ? .s390x : .x86
            var p = Policy(action(), architectures: [abi])
            var base: [String: SyscallDecision] = [:]
            var judged: [String: SyscallDecision] = [:]
            func decision() -> SyscallDecision {
                var d = SyscallDecision(action: action())
                if Bool.random(using: &rng) {
                    d.rules = [Rule([ArgumentCondition(index: Int.random(in: 0...2, using: &rng), .equal,
                        UInt64.random(in: 0...3, using: &rng))], action: action())]
                }
                return d
            }
            for name in names where Int.random(in: 0..<3, using: &rng) > 0 { base[name] = decision() }
            for name in names where Int.random(in: 0..<6, using: &rng) == 0 { judged[name] = decision() }
            for m in Multiplexer.allCases {
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: break
                case 1: base[m.rawValue] = SyscallDecision(action: action())
                default:
                    // Selector rules for some sub-calls, as a profile's importer writes them.
                    let calls = m.subcalls.filter { _ in Bool.random(using: &rng) }.map(\.call)
                    base[m.rawValue] = SyscallDecision(action: action(), rules: calls.map { Rule([m.selects($0)], action: action()) })
                }
            }
            p.syscalls = base
            let lookup: (String) -> SyscallDecision? = { judged[$0] ?? base[$0] }
            var whole = judged, shortcut = judged
            p.closeMultiplexers(on: abi, &whole, decision: lookup)
            p.closeMultiplexers(on: abi, &shortcut, outcome: { lookup($0)?.mostRestrictiveOutcome }, decision: lookup)
            #expect(whole == shortcut, "round \(round)")
            if whole != judged { closed += 1 }
        }
        #expect(closed > 50, "the rounds close multiplexers")
    }
}
