// Double+Fixed.swift: benchmark figures with a fixed number of decimals, without Foundation's
// String(format:) (the executable links FoundationEssentials only: docs/launch-performance.md).

extension Double {
    /// The value rounded half away from zero to `places` decimals, written with exactly that many
    /// (`1.5.fixed(2)` is "1.50"); "nan" or "inf" where there is no number to write.
    func fixed(_ places: Int) -> String {
        guard isFinite else { return isNaN ? "nan" : (self < 0 ? "-inf" : "inf") }
        var scale: Double = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(self) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9.0e18 else { return "\(self)" }
        let units = UInt64(scaled)
        let whole = units / UInt64(scale), fraction = units % UInt64(scale)
        let sign = self < 0 && units != 0 ? "-" : ""
        guard places > 0 else { return "\(sign)\(whole)" }
        let digits = String(fraction)
        return "\(sign)\(whole)." + String(repeating: "0", count: places - digits.count) + digits
    }
}
