#if canImport(Glibc)
import Glibc
#endif

/// Monotonic clock in nanoseconds.
@inline(__always) public func nowNanoseconds() -> UInt64 {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Percentiles of a sample of durations (nanoseconds).
public struct LatencySummary {
  public var count: Int
  public var median: Double
  public var p99: Double
  public var p999: Double
  public var max: Double
  public var mean: Double

  public init(_ samples: [UInt64]) {
    let s = samples.sorted()
    count = s.count
    func q(_ p: Double) -> Double { s.isEmpty ? 0 : Double(s[min(s.count - 1, Int(p * Double(s.count)))]) }
    median = q(0.5)
    p99 = q(0.99)
    p999 = q(0.999)
    max = Double(s.last ?? 0)
    mean = s.isEmpty ? 0 : Double(s.reduce(0, +)) / Double(s.count)
  }
}

/// "1.23 µs" / "456 ns".
public func formatNanoseconds(_ ns: Double) -> String {
  if ns >= 1_000_000 { return String(format3(ns / 1_000_000)) + " ms" }
  if ns >= 1_000 { return String(format3(ns / 1_000)) + " µs" }
  return String(Int(ns.rounded())) + " ns"
}

/// Three significant digits without Foundation.
public func format3(_ v: Double) -> String {
  if v >= 100 { return String(Int(v.rounded())) }
  if v >= 10 { let r = (v * 10).rounded() / 10; return fixed(r, 1) }
  return fixed((v * 100).rounded() / 100, 2)
}

/// `v` with `digits` decimals.
public func fixed(_ v: Double, _ digits: Int) -> String {
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let neg = v < 0
  let r = (abs(v) * scale).rounded()
  let whole = Int(r / scale)
  var frac = String(Int(r - Double(whole) * scale))
  while frac.count < digits { frac = "0" + frac }
  return (neg ? "-" : "") + String(whole) + (digits > 0 ? "." + frac : "")
}
