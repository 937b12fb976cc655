// BuiltinData.swift: the data embedded from sets/ and data/ (see Generated/).

enum BuiltinData {
    /// Names Debian 12's libseccomp 2.5.4 cannot resolve.
    static let libseccomp254Unknown: Set<String> = Set(
        libseccomp254UnknownText.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map(String.init))

    /// Every built-in set file, parsed once. The embedded files are checked by the test suite,
    /// so a parse failure here is a build defect; it is reported, not hidden.
    static let definitions: Result<[SetDefinition], SetFileError> = {
        var result: [SetDefinition] = []
        for (name, text) in setFiles {
            do throws(SetFileError) {
                result.append(try SetFileParser.parse(text, groupName: name, file: "<builtin>/sets/\(name).set"))
            } catch {
                return .failure(error)
            }
        }
        return .success(result)
    }()

    /// The built-in group names with their '@', in any version.
    static var groupNames: Set<String> {
        Set(setFiles.map { "@" + $0.0 })
    }
}
