// (b) the differential test against Xilinx's and Mentor's headers, and (c) the committed golden file.

import Foundation
import Testing
import FixedPoint

private let oracleVariable = "TRIGRT_FIXED_ORACLE"
private let oracleFiles = ProcessInfo.processInfo.environment[oracleVariable]

private func run(_ paths: [String]) throws -> OracleReport {
  var checker = OracleChecker()
  for p in paths { try checker.check(fileAt: p) }
  let r = checker.report
  print("FixedPoint oracle check of \(paths.joined(separator: ", ")): \(r.summary)")
  for m in r.mismatches { print("  mismatch: \(m)") }
  for m in r.mismatches.prefix(10) { Issue.record(Comment(rawValue: m)) }
  return r
}

@Suite("Bit-exactness against ap_fixed.h / ac_fixed.h")
struct DifferentialTests {
  /// Cases generated at test time by Oracle/run-oracle.sh (g++ against the hls4ml wheel's headers).
  @Test(
    "Xilinx/Mentor oracle (≥ 1,000,000 random cases)",
    .enabled(
      if: oracleFiles != nil,
      "\(oracleVariable) is not set: run Tests/FixedPointTests/Oracle/run-oracle.sh, which builds the C++ oracle against hls4ml's ap_types/ac_types and sets it"
    ))
  func oracle() throws {
    let paths = (oracleFiles ?? "").split(separator: ":").map(String.init)
    let r = try run(paths)
    #expect(r.mismatchCount == 0)
    #expect(r.total >= 1_000_000, "the oracle run should compare at least 1,000,000 cases")
  }

  /// The committed sample of the oracle's output: runs with plain `swift test`.
  @Test("Golden file (committed oracle sample)")
  func golden() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Golden/fixed-oracle-golden.txt").path
    let r = try run([path])
    #expect(r.mismatchCount == 0)
    #expect(r.total >= 20_000)
  }
}
