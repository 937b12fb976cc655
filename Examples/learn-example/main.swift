// learn-example: learns the filter a command needs through the library API (no command-line
// parser) and prints the drop-in. Usage: learn-example CMD [ARGS…]
import Glibc
import SeccomposeLearn
import SeccomposeRuntime
import SeccomposeSystemd

func say(_ line: String) {
    var text = line + "\n"
    _ = text.withUTF8 { write(2, $0.baseAddress, $0.count) }
}

guard CommandLine.arguments.count >= 2 else {
    say("usage: learn-example CMD [ARGS...]")
    exit(ExitStatus.usage.rawValue)
}
do {
    // Run the command under the recording filter, then turn the evidence into a drop-in.
    let learner = try Learner(context: SystemdContext(version: .v252))
    let run = learner.learn(command: Array(CommandLine.arguments.dropFirst()))
    let filter = try LearnedFilter(evidence: run.evidence, context: learner.context)
    print(filter.dropIn(), terminator: "")
    exit(run.evidence.complete ? run.report.exitStatus.rawValue : ExitStatus.findings.rawValue)
} catch let error as LearnError {
    say("\(error)")
    exit(ExitStatus.seccomp.rawValue)
} catch {
    say("learn-example: \(error)")
    exit(ExitStatus.unreadable.rawValue)
}
