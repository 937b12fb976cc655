// SeccomposeVersion.swift: the one version constant (`seccompose --version`, reports).

/// Seccompose's version.
public enum SeccomposeVersion {
    /// The release this source tree is, as `MAJOR.MINOR.PATCH`.
    public static let current = "0.9.0"
}
