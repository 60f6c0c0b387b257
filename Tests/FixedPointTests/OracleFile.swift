// Reads the case files written by Oracle/fixed-oracle.cpp (Xilinx ap_fixed.h / ac_fixed.h
// results) and checks every case against FixedPoint, bit for bit.

import Foundation
import FixedPoint

struct OracleReport {
  var compared: [String: Int] = [:]
  var mismatches: [String] = []
  var mismatchCount = 0
  var formats = 0
  var total: Int { compared.values.reduce(0, +) }

  var summary: String {
    let parts = compared.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    return "\(total) cases compared (\(parts)), \(formats) formats, \(mismatchCount) mismatches"
  }
}

struct OracleChecker {
  var report = OracleReport()
  private var formats: [Int: FixedFormat] = [:]
  private var castKey = (0, 0)
  private var cast: FixedCast?
  private var wideCastKey = ""
  private var wideCast: FixedCast?
  private var lineNumber = 0
  private let maxReported = 60
  private var reportedGroups: [String: Int] = [:]

  static let kindNames: [UInt8: String] = [
    UInt8(ascii: "C"): "cast", UInt8(ascii: "Q"): "fromDouble", UInt8(ascii: "G"): "fromFloat",
    UInt8(ascii: "T"): "toInt", UInt8(ascii: "R"): "toDouble/toFloat", UInt8(ascii: "M"): "multiply",
    UInt8(ascii: "A"): "add", UInt8(ascii: "U"): "subtract", UInt8(ascii: "V"): "divide",
    UInt8(ascii: "X"): "arithmeticThenCast",
  ]

  mutating func check(fileAt path: String) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
      let bytes = buffer.bindMemory(to: UInt8.self)
      var start = 0
      for i in 0..<bytes.count where bytes[i] == 10 {
        check(line: UnsafeBufferPointer(rebasing: bytes[start..<i]))
        start = i + 1
      }
      if start < bytes.count { check(line: UnsafeBufferPointer(rebasing: bytes[start...])) }
    }
  }

  private mutating func fail(_ line: UnsafeBufferPointer<UInt8>, _ what: String) {
    report.mismatchCount += 1
    // At most 2 reports per (record kind, formats) group, so that one broken format does not hide others.
    let text = String(decoding: line, as: UTF8.self)
    let group = text.split(separator: " ").prefix(3).joined(separator: " ")
    reportedGroups[group, default: 0] += 1
    if report.mismatches.count < maxReported && reportedGroups[group]! <= 2 {
      report.mismatches.append("line \(lineNumber): \(String(decoding: line, as: UTF8.self)) -- \(what)")
    }
  }

  private mutating func count(_ kind: UInt8) {
    report.compared[OracleChecker.kindNames[kind] ?? "?", default: 0] += 1
  }

  mutating func check(line: UnsafeBufferPointer<UInt8>) {
    lineNumber += 1
    guard let kind = line.first, kind != UInt8(ascii: "#") else { return }
    var fields: [UnsafeBufferPointer<UInt8>] = []
    fields.reserveCapacity(10)
    var s = 0
    for i in 0...line.count where i == line.count || line[i] == 32 {
      if i > s { fields.append(UnsafeBufferPointer(rebasing: line[s..<i])) }
      s = i + 1
    }
    func hex(_ k: Int) -> UInt128 {
      var v: UInt128 = 0
      for c in fields[k] {
        let d: UInt8 = c <= 57 ? c - 48 : (c | 32) - 87
        v = v << 4 | UInt128(d)
      }
      return v
    }
    func dec(_ k: Int) -> Int {
      var v = 0
      var neg = false
      for c in fields[k] {
        if c == 45 { neg = true } else { v = v * 10 + Int(c - 48) }
      }
      return neg ? -v : v
    }
    func format(_ k: Int) -> FixedFormat? { formats[dec(k)] }

    switch kind {
    case UInt8(ascii: "F"):
      let text = String(decoding: UnsafeBufferPointer(rebasing: line[(fields[2].baseAddress! - line.baseAddress!)...]), as: UTF8.self)
      do {
        let f = try FixedFormat(parsing: text)
        formats[dec(1)] = f
        report.formats += 1
        // The printed canonical spelling must parse back to the same format.
        if (try? FixedFormat(parsing: f.description)) != f { fail(line, "description \(f) does not round-trip") }
      } catch {
        fail(line, "parse error: \(error)")
      }

    case UInt8(ascii: "C"):
      guard let src = format(1), let dst = format(2) else { return fail(line, "unknown format id") }
      let key = (dec(1), dec(2))
      if cast == nil || castKey != key {
        cast = FixedCast(from: src, to: dst)
        castKey = key
      }
      let c = cast!
      let raw = Self.extend(hex(3), src)
      let expected = Self.extend(hex(4), dst)
      let got = c.apply(raw)
      let (got2, status) = c.applyReportingStatus(raw)
      let got3 = c.apply(wide: src.value(ofRaw: raw))
      count(kind)
      if got != expected || got2 != got || got3 != got {
        fail(line, "expected \(expected), got \(got) (reporting \(got2), wide \(got3)), status \(status), \(src) -> \(dst)")
      } else if status.isOverflow && !c.canOverflow {
        fail(line, "reported \(status) although canOverflow is false")
      }

    case UInt8(ascii: "Q"), UInt8(ascii: "G"):
      guard let f = format(1) else { return fail(line, "unknown format id") }
      let bits = hex(2)
      let expected = Self.extend(hex(3), f)
      let got: (raw: Int64, status: FixedStatus)
      if kind == UInt8(ascii: "Q") {
        got = f.quantize(Double(bitPattern: UInt64(bits)))
      } else {
        got = f.quantize(Float(bitPattern: UInt32(bits)))
      }
      count(kind)
      if got.raw != expected {
        let x = kind == UInt8(ascii: "Q") ? "\(Double(bitPattern: UInt64(bits)))" : "\(Float(bitPattern: UInt32(bits)))f"
        fail(line, "\(x) -> \(f): expected \(expected), got \(got.raw) (\(got.status))")
      }

    case UInt8(ascii: "T"):
      guard let f = format(1) else { return fail(line, "unknown format id") }
      let raw = Self.extend(hex(2), f)
      let e32 = Int32(bitPattern: UInt32(hex(3)))
      let e64 = Int64(bitPattern: UInt64(hex(4)))
      let g32 = f.toCInt(raw)
      let g64 = f.toInt64(raw)
      count(kind)
      if g32 != e32 || g64 != e64 { fail(line, "\(f) raw \(raw): expected \(e32)/\(e64), got \(g32)/\(g64)") }

    case UInt8(ascii: "R"):
      guard let f = format(1) else { return fail(line, "unknown format id") }
      let raw = Self.extend(hex(2), f)
      let ed = UInt64(hex(3))
      let ef = UInt32(hex(4))
      let gd = f.toDouble(raw).bitPattern
      let gf = f.toFloat(raw).bitPattern
      count(kind)
      if gd != ed || gf != ef {
        fail(line, "\(f) raw \(raw): expected \(Double(bitPattern: ed))/\(Float(bitPattern: ef)), got \(Double(bitPattern: gd))/\(Float(bitPattern: gf)) (bits \(String(gd, radix: 16)) \(String(gf, radix: 16)))")
      }

    case UInt8(ascii: "M"), UInt8(ascii: "A"), UInt8(ascii: "U"), UInt8(ascii: "V"):
      guard let fa = format(1), let fb = format(2) else { return fail(line, "unknown format id") }
      let a = Self.extend(hex(3), fa)
      let b = Self.extend(hex(4), fb)
      let ew = dec(5), ei = dec(6), es = dec(7) != 0
      let er = hex(8)
      let resultFormat: ExactFormat
      let got: Int128
      switch kind {
      case UInt8(ascii: "M"):
        let op = FixedProduct(fa.exact, fb.exact)
        resultFormat = op.format
        got = op.apply(a, b)
      case UInt8(ascii: "A"), UInt8(ascii: "U"):
        let op = FixedSum(fa.exact, fb.exact, subtracting: kind == UInt8(ascii: "U"))
        resultFormat = op.format
        got = op.apply(a, b)
      default:
        let op = FixedQuotient(fa, fb)
        resultFormat = op.format
        got = op.apply(a, b).raw
      }
      count(kind)
      let pattern = UInt128(bitPattern: got) & (resultFormat.width >= 128 ? UInt128.max : (UInt128(1) << resultFormat.width) - 1)
      if resultFormat.width != ew || resultFormat.integerBits != ei || resultFormat.isSigned != es {
        fail(line, "result format: expected W=\(ew) I=\(ei) S=\(es), got \(resultFormat)")
      } else if pattern != er {
        fail(line, "\(fa) \(Character(Unicode.Scalar(kind))) \(fb): expected \(String(er, radix: 16)), got \(String(pattern, radix: 16))")
      }

    case UInt8(ascii: "X"):
      guard let fa = format(2), let fb = format(3), let ft = format(4) else { return fail(line, "unknown format id") }
      let op = fields[1].first!
      let a = Self.extend(hex(5), fa)
      let b = Self.extend(hex(6), fb)
      let expected = Self.extend(hex(7), ft)
      let key = "\(op) \(dec(2)) \(dec(3)) \(dec(4))"
      if wideCastKey != key {
        let source: ExactFormat
        switch op {
        case UInt8(ascii: "M"): source = FixedFormat.product(fa, fb)
        case UInt8(ascii: "A"): source = FixedFormat.sum(fa, fb)
        case UInt8(ascii: "U"): source = FixedFormat.difference(fa, fb)
        default: source = FixedFormat.quotient(fa, fb)
        }
        wideCast = FixedCast(from: source, to: ft)
        wideCastKey = key
      }
      let value: Int128
      switch op {
      case UInt8(ascii: "M"): value = FixedProduct(fa.exact, fb.exact).apply(a, b)
      case UInt8(ascii: "A"): value = FixedSum(fa.exact, fb.exact, subtracting: false).apply(a, b)
      case UInt8(ascii: "U"): value = FixedSum(fa.exact, fb.exact, subtracting: true).apply(a, b)
      default: value = FixedQuotient(fa, fb).apply(a, b).raw
      }
      let got = wideCast!.apply(wide: value)
      count(kind)
      if got != expected {
        fail(line, "(\(fa) \(Character(Unicode.Scalar(op))) \(fb) = \(value) in \(wideCast!.source)) -> \(ft): expected \(expected), got \(got)")
      }

    default:
      fail(line, "unknown record")
    }
  }

  /// The raw Int64 of a W-bit pattern: sign-extended for signed formats.
  static func extend(_ pattern: UInt128, _ f: FixedFormat) -> Int64 {
    let k = 64 - f.width
    let low = Int64(truncatingIfNeeded: pattern) &<< k
    return f.isSigned ? low &>> k : Int64(bitPattern: UInt64(bitPattern: low) &>> k)
  }
}
