// run-unit-example: runs a service unit through the library API (no command-line parser) and
// reports every kill by its filter. Usage: run-unit-example UNIT
import Glibc
import SeccomposeLaunch
import SeccomposeRuntime

func say(_ line: String) {
    var text = line + "\n"
    _ = text.withUTF8 { write(2, $0.baseAddress, $0.count) }
}

guard CommandLine.arguments.count == 2 else {
    say("usage: run-unit-example UNIT")
    exit(ExitStatus.usage.rawValue)
}
do {
    // Read the unit, refuse input that would weaken its filter, compile, run, supervise.
    let report = try UnitLaunch(unitAt: CommandLine.arguments[1]).run()
    for violation in report.violations { say("violation: \(violation)") }
    exit(report.exitStatus.rawValue)
} catch let failure as LaunchFailure {
    for diagnostic in failure.diagnostics { say("\(diagnostic)") }
    say("\(failure)")
    exit(failure.exitStatus.rawValue)
} catch {
    say("run-unit-example: \(error)")
    exit(ExitStatus.unreadable.rawValue)
}
