// The documented rules and examples (doc-comment tables, HLS4ML-SEMANTICS.md §3), the header quirks
// kept on purpose, and the API's robustness promises (no traps, overflow reporting).
// Expected values here were checked against ap_fixed.h / ac_fixed.h with g++.

import Testing
import FixedPoint

private func fmt(_ s: String) -> FixedFormat { try! FixedFormat(parsing: s) }
private func value(_ f: FixedFormat, _ raw: Int64) -> Double { Double(raw) * f.resolution }

@Suite("Documented semantics and header quirks")
struct SemanticsTests {
  @Test("the Quantization doc table")
  func quantizationTable() {
    let inputs: [Double] = [1.25, 1.5, 1.75, 2.5, -1.25, -1.5, -1.75, -2.5]
    let table: [(String, [Int64])] = [
      ("AP_TRN", [1, 1, 1, 2, -2, -2, -2, -3]),
      ("AP_TRN_ZERO", [1, 1, 1, 2, -1, -1, -1, -2]),
      ("AP_RND", [1, 2, 2, 3, -1, -1, -2, -2]),
      ("AP_RND_ZERO", [1, 1, 2, 2, -1, -1, -2, -2]),
      ("AP_RND_MIN_INF", [1, 1, 2, 2, -1, -2, -2, -3]),
      ("AP_RND_INF", [1, 2, 2, 3, -1, -2, -2, -3]),
      ("AP_RND_CONV", [1, 2, 2, 2, -1, -2, -2, -2]),
    ]
    for (mode, expected) in table {
      let f = fmt("ap_fixed<8,8,\(mode)>")
      #expect(inputs.map { f.quantize($0).raw } == expected, "\(mode)")
      let source = fmt("ap_fixed<8,6>")  // 2 fractional bits: the inputs exactly
      let cast = FixedCast(from: source, to: f)
      #expect(inputs.map { cast.apply(Int64($0 * 4)) } == expected, "\(mode) cast")
    }
    let odd = fmt("ac_fixed<8,8,true,AC_RND_CONV_ODD>")
    #expect(inputs.map { odd.quantize($0).raw } == [1, 1, 2, 3, -1, -1, -2, -3])
  }

  @Test("the Overflow doc table")
  func overflowTable() {
    let rows: [(String, [Int64], [Int64])] = [
      ("AP_WRAP,0", [-7, 7, -8, 4], [1, 15]),
      ("AP_WRAP,1", [1, -1, -8, 4], [9, 15]),
      ("AP_WRAP,2", [5, -5, -8, 4], [13, 15]),
      ("AP_SAT,0", [7, -8, -8, 7], [15, 0]),
      ("AP_SAT_ZERO,0", [0, 0, -8, 0], [0, 0]),
      ("AP_SAT_SYM,0", [7, -7, -7, 7], [15, 0]),
    ]
    for (mode, signed, unsigned) in rows {
      let s = fmt("ap_fixed<4,4,AP_TRN,\(mode)>")
      let u = fmt("ap_ufixed<4,4,AP_TRN,\(mode)>")
      #expect(([9.0, -9, -8, 20] as [Double]).map { s.quantize($0).raw } == signed, "\(mode)")
      #expect(([17.0, -1] as [Double]).map { u.quantize($0).raw } == unsigned, "\(mode) unsigned")
    }
    // SAT_SYM with W = 1: both headers give min (-1), not -max (0).
    #expect(fmt("ap_fixed<1,1,AP_TRN,AP_SAT_SYM>").quantize(-3.0).raw == -1)
    #expect(fmt("ac_fixed<1,1,true,AC_TRN,AC_SAT_SYM>").quantize(-3.0).raw == -1)
    #expect(fmt("ap_fixed<1,1,AP_TRN,AP_SAT_SYM>").quantize(3.0).raw == 0)
  }

  @Test("the FixedCast doc table")
  func castTable() {
    let src = fmt("ap_fixed<32,12>")  // 20 fractional bits
    let maxPlusHalf = Int64(32767 * 2 + 1) << 9  // 31.99951171875: max + 1/2 LSB of ap_fixed<16,6>
    let cases: [(Int64, String, Int64, FixedStatus)] = [
      ((1 << 20) + 512, "ap_fixed<16,6>", 1024, []),
      (-((1 << 20) + 512), "ap_fixed<16,6>", -1025, []),
      (maxPlusHalf, "ap_fixed<16,6,AP_RND>", -32768, .wrapped),
      (maxPlusHalf, "ap_fixed<16,6,AP_RND,AP_SAT>", 32767, .saturated),
      (maxPlusHalf - 1, "ap_fixed<16,6,AP_RND>", 32767, []),
    ]
    for (raw, target, expected, status) in cases {
      let r = FixedCast(from: src, to: fmt(target)).applyReportingStatus(raw)
      #expect(r.raw == expected && r.status == status, "\(raw) -> \(target)")
    }
    let s16 = fmt("ap_fixed<16,6>")
    #expect(FixedCast(from: s16, to: fmt("ap_int<8>")).apply(-2560) == -2)  // -2.5
    #expect(FixedCast(from: s16, to: fmt("ap_fixed<8,8>")).apply(-2560) == -3)
    // HLS4ML-SEMANTICS's "31.9995 overflows ap_fixed<16,6,AP_RND>": 31.9995 is below max + 1/2 LSB
    // (31.99951171875), so the headers round it to max; 31.9996 is the value that wraps.
    let rnd = fmt("ap_fixed<16,6,AP_RND>")
    #expect(rnd.quantize(31.9995) == (32767, []))
    #expect(rnd.quantize(31.99951171875) == (-32768, .wrapped))
    #expect(rnd.quantize(31.9996) == (-32768, .wrapped))
  }

  @Test("left shifts (more fractional bits in the target) wrap and saturate correctly")
  func leftShifts() {
    let src = fmt("ap_fixed<8,8>")
    #expect(FixedCast(from: src, to: fmt("ap_fixed<16,4,AP_TRN,AP_SAT>")).applyReportingStatus(9) == (32767, .saturated))
    #expect(FixedCast(from: src, to: fmt("ap_fixed<16,4,AP_TRN,AP_SAT>")).applyReportingStatus(-9) == (-32768, .saturated))
    #expect(FixedCast(from: src, to: fmt("ap_fixed<16,4>")).applyReportingStatus(9) == (-28672, .wrapped))
    #expect(FixedCast(from: src, to: fmt("ap_fixed<16,4>")).applyReportingStatus(7) == (7 << 12, []))
    #expect(FixedCast(from: src, to: fmt("ap_fixed<16,4>")).applyReportingStatus(-8) == (-8 << 12, []))
    // Shift by 63 and by more than 64 bits.
    let far = FixedCast(from: fmt("ap_fixed<8,8>"), to: fmt("ap_fixed<64,1>"))
    #expect(far.applyReportingStatus(0) == (0, []))
    #expect(far.applyReportingStatus(-1) == (Int64.min, []))
    #expect(far.applyReportingStatus(1) == (Int64.min, .wrapped))  // 2^63 wraps to -2^63
    let farther = FixedCast(from: fmt("ap_fixed<8,8>"), to: fmt("ap_fixed<8,-100,AP_TRN,AP_SAT>"))
    #expect(farther.applyReportingStatus(1) == (127, .saturated) && farther.applyReportingStatus(0) == (0, []))
    #expect(FixedCast(from: fmt("ap_fixed<8,8>"), to: fmt("ap_fixed<8,-100>")).applyReportingStatus(3) == (0, .wrapped))
  }

  @Test("wide (Int128) sources: the exact product of two 40-bit values")
  func wideSources() throws {
    let a = fmt("ap_fixed<40,10>"), b = fmt("ap_fixed<40,12>")
    let p = FixedProduct(a.exact, b.exact)
    let expectedFormat = try ExactFormat(width: 80, integerBits: 22, isSigned: true)
    #expect(p.format == expectedFormat)
    let x: Int64 = (1 << 39) - 1, y: Int64 = -(1 << 39)
    let prod = p.apply(x, y)
    #expect(prod == Int128(x) * Int128(y))
    // (512 − 2^−30) · (−2048) ≈ −2^20 saturates ap_fixed<48,20> (range ±2^19).
    let toAcc = FixedCast(from: p.format, to: fmt("ap_fixed<48,20,AP_RND,AP_SAT>"))
    #expect(toAcc.applyReportingStatus(wide: prod).status == .saturated)
    #expect(toAcc.apply(wide: prod) == -(1 << 47))
    // 3.0 · −2.0 = −6.0 (28 fractional bits in the target)
    let three = Int64(3) << 30, minusTwo = Int64(-2) << 28
    #expect(toAcc.applyReportingStatus(wide: p.apply(three, minusTwo)) == (-6 << 28, []))
    // Into a wider-range target the product only rounds: ap_fixed<48,24,AP_RND> has 24 fractional bits.
    let toWide = FixedCast(from: p.format, to: fmt("ap_fixed<48,24,AP_RND>"))
    #expect(toWide.applyReportingStatus(wide: prod) == (-(1 << 44) + 32, []))  // exact: −(2^39 − 1)·2^−19
  }

  @Test("result formats of the operators")
  func resultFormats() throws {
    func e(_ w: Int, _ i: Int, _ s: Bool) -> ExactFormat { try! ExactFormat(width: w, integerBits: i, isSigned: s) }
    let a = fmt("ap_fixed<16,6>"), b = fmt("ap_fixed<8,3>"), u = fmt("ap_ufixed<8,4>"), s = fmt("ap_fixed<8,4>")
    #expect(FixedFormat.product(a, b) == e(24, 9, true))
    #expect(FixedFormat.sum(a, b) == e(17, 7, true))
    #expect(FixedFormat.sum(u, s) == e(10, 6, true))
    #expect(FixedFormat.difference(u, u) == e(9, 5, true))
    #expect(FixedFormat.sum(u, u) == e(9, 5, false))
    #expect(FixedFormat.quotient(a, b) == e(22, 12, true))  // F = F1 = 10
    #expect(FixedFormat.quotient(a, fmt("ap_fixed<32,32>")) == e(17, 7, true))
    #expect(FixedFormat.quotient(a, fmt("ap_fixed<8,10>")) == e(17, 5, true))  // F2 < 0: more fractional bits
    let sum = FixedSum(a.exact, b.exact, subtracting: false)
    #expect(sum.shiftA == 0 && sum.shiftB == 5)
    #expect(sum.apply(1024, 32) == 1024 + 32 * 32)  // 1.0 + 1.0
    #expect(FixedSum(u.exact, s.exact, subtracting: true).apply(255, -128) == 255 + 128)
    #expect(FixedSum(a.exact, a.exact, subtracting: false).apply64(32767, 32767) == 65534)
    #expect(FixedProduct(a.exact, b.exact).apply64(-32768, -128) == 32768 * 128)
  }

  @Test("division: truncation toward zero, the ap wrap, ap_int's working signedness, division by zero")
  func division() throws {
    let q = FixedQuotient(fmt("ap_fixed<16,6>"), fmt("ap_fixed<32,32>"))
    let expectedFormat = try ExactFormat(width: 17, integerBits: 7, isSigned: true)
    #expect(q.format == expectedFormat)
    #expect(q.apply(-7 * 1024 - 512, 2).raw == -3 * 1024 - 768)  // -7.5 / 2 = -3.75
    #expect(q.apply(-7 * 1024 - 1, 2).raw == -3584)  // truncates toward zero at 2^-10
    // ap: the most negative shifted dividend / raw -1 wraps; ac divides exactly.
    #expect(FixedQuotient(fmt("ap_fixed<8,4>"), fmt("ap_fixed<4,0>")).apply(-128, -1).raw == -2048)
    #expect(FixedQuotient(fmt("ac_fixed<8,4>"), fmt("ac_fixed<4,0>")).apply(-128, -1).raw == 2048)
    // ap_int / ap_int: the working type takes the wider operand's signedness.
    #expect(FixedQuotient(fmt("ap_uint<4>"), fmt("ap_int<3>")).apply(15, -3).raw == 0)
    #expect(FixedQuotient(fmt("ap_int<5>"), fmt("ap_uint<23>")).apply(-12, 8388606).raw == 1)
    #expect(FixedQuotient(fmt("ap_int<8>"), fmt("ap_int<8>")).apply(-128, -1).raw == 128)
    // The same operands as ap_fixed<W,W> divide normally.
    #expect(FixedQuotient(fmt("ap_ufixed<4,4>"), fmt("ap_fixed<3,3>")).apply(15, -3).raw == -5)
    let zero = FixedQuotient(fmt("ap_fixed<8,4>"), fmt("ap_fixed<8,4>")).apply(5, 0)
    #expect(zero.raw == 0 && zero.status == .divisionByZero)
  }

  @Test("from double: infinities, NaN (status .nan), subnormals, zeros")
  func specialDoubles() {
    let wrap = fmt("ap_fixed<16,6>"), sat = fmt("ap_fixed<16,6,AP_TRN,AP_SAT>")
    #expect(wrap.quantize(Double.infinity) == (0, .wrapped))
    #expect(wrap.quantize(-Double.infinity) == (0, .wrapped))
    #expect(sat.quantize(Double.infinity) == (32767, .saturated))
    #expect(sat.quantize(-Double.infinity) == (-32768, .saturated))
    let positiveNaN = Double(bitPattern: 0x7FF8_0000_0000_0000), negativeNaN = Double(bitPattern: 0xFFF8_0000_0000_0000)
    #expect(wrap.quantize(positiveNaN) == (0, [.wrapped, .nan]))
    #expect(sat.quantize(positiveNaN) == (32767, [.saturated, .nan]))
    #expect(sat.quantize(negativeNaN) == (-32768, [.saturated, .nan]))
    #expect(sat.quantize(Float.nan).status.contains(.nan))
    #expect(wrap.quantize(-0.0) == (0, []) && wrap.quantize(0.0) == (0, []))
    #expect(wrap.quantize(Double.leastNonzeroMagnitude) == (0, []))
    #expect(wrap.quantize(-Double.leastNonzeroMagnitude) == (-1, []))  // floor
    // The subnormal quirk: 2^-1074 is read as (1 + 2^-52)·2^-1023, so with F = 1023 it is one LSB.
    let tiny = fmt("ap_fixed<8,-1015,AP_RND>")
    #expect(tiny.fractionalBits == 1023)
    #expect(tiny.quantize(Double.leastNonzeroMagnitude).raw == 1)
    #expect(fmt("ap_fixed<8,-1015>").quantize(Double.leastNonzeroMagnitude).raw == 1)
    // ap_int: truncate toward zero, with the header's +1 for negative values above -0.5.
    let i8 = fmt("ap_int<8>")
    #expect(([-2.5, -0.75, -0.5, -0.25, -1e-300, 0.25, 2.9, 130] as [Double]).map { i8.quantize($0).raw } == [-2, 0, 0, 1, 1, 0, 2, -126])
    #expect(i8.quantize(130.0).status == .wrapped && i8.quantize(Double.infinity) == (0, .wrapped))
    #expect(i8.quantize(Double.nan) == (0, [.wrapped, .nan]))
    #expect(fmt("ap_uint<8>").quantize(-0.25).raw == 1)
    // ac: floor for ac_int; infinities and NaN as g++ on x86-64 computes them.
    #expect(fmt("ac_int<8,true>").quantize(-0.25).raw == -1)
    let ac = fmt("ac_fixed<8,4,true>"), acRnd = fmt("ac_fixed<8,4,true,AC_RND>"), acSat = fmt("ac_fixed<8,4,true,AC_TRN,AC_SAT>")
    #expect(ac.quantize(Double.infinity).raw == 0 && ac.quantize(-Double.infinity).raw == -1 && ac.quantize(positiveNaN).raw == 0)
    #expect(acRnd.quantize(Double.infinity).raw == 1 && acRnd.quantize(-Double.infinity).raw == -1 && acRnd.quantize(positiveNaN).raw == 1)
    #expect(acSat.quantize(Double.infinity).raw == 127 && acSat.quantize(-Double.infinity).raw == -128)
    #expect(acSat.quantize(positiveNaN).raw == 127 && acSat.quantize(negativeNaN).raw == 127)
    #expect(acSat.quantize(negativeNaN).status == [.saturated, .nan])
  }

  @Test("from Float: widened exactly; NaN payloads quieted as x86 does")
  func floats() {
    let f = fmt("ap_fixed<24,4,AP_RND_CONV>")
    for x: Float in [0.1, -0.1, 1.0 / 3, 7.999_999, -8, Float.leastNonzeroMagnitude, 1e-30, -1e30] {
      #expect(f.quantize(x) == f.quantize(Double(x)))
    }
    let sat = fmt("ap_fixed<16,6,AP_TRN,AP_SAT>")
    #expect(sat.quantize(Float(bitPattern: 0x7F80_0001)) == (32767, [.saturated, .nan]))  // signalling NaN
    #expect(sat.quantize(Float(bitPattern: 0xFFC0_0000)) == (-32768, [.saturated, .nan]))
  }

  @Test("to double / float / C int")
  func conversionsOut() {
    let a = fmt("ap_fixed<8,4>")
    #expect(a.toCInt(-120) == -7 && a.toInt64(-120) == -7)  // -7.5 truncates toward zero
    #expect(fmt("ac_fixed<8,4,true>").toCInt(-120) == -8)  // ac floors
    #expect(a.toDouble(-120) == -7.5 && a.toFloat(-120) == -7.5)
    // I = 0: the header returns -1 for negative values.
    #expect(fmt("ap_fixed<8,0>").toCInt(-64) == -1 && fmt("ap_fixed<8,0>").toCInt(64) == 0)
    #expect(fmt("ap_ufixed<8,0>").toCInt(200) == 0)
    // I > 32 keeps the low 32 bits of the integer part.
    let wide = fmt("ap_fixed<40,40>")
    #expect(wide.toCInt((1 << 35) + 5) == 5 && wide.toInt64((1 << 35) + 5) == (1 << 35) + 5)
    // Round to nearest even beyond 24 / 53 bits.
    let i40 = fmt("ap_int<40>")
    #expect(i40.toFloat((1 << 24) + 1) == 16_777_216 && i40.toFloat((1 << 24) + 3) == 16_777_220)
    let f60 = fmt("ap_fixed<60,60>")
    #expect(f60.toDouble((1 << 53) + 1) == 9_007_199_254_740_992 && f60.toDouble((1 << 53) + 3) == 9_007_199_254_740_996)
    #expect(fmt("ap_ufixed<64,64>").toDouble(-1) == 18_446_744_073_709_551_616)
    #expect(fmt("ap_fixed<64,64>").toDouble(Int64.min) == -9_223_372_036_854_775_808)
    // Outside float's exponent range the header's exponent wraps (kept, not an IEEE result).
    let small = fmt("ap_fixed<8,-130>")
    #expect(small.toDouble(64) == 0x1p-132)
    #expect(small.toFloat(64) == 0x1p124)  // exponent −5 + 127 taken modulo 256
  }

  @Test("overflow counting and canOverflow")
  func counting() {
    let cast = FixedCast(from: fmt("ap_fixed<16,6>"), to: fmt("ap_fixed<8,2,AP_RND,AP_SAT>"))
    #expect(cast.canOverflow)
    var overflows: UInt32 = 0
    let raws: [Int64] = [0, 100, 1 << 12, -(1 << 12), 2047, -2048, 32767]
    let out = raws.map { cast.apply($0, overflows: &overflows) }
    #expect(out == [0, 6, 127, -128, 127, -128, 127])
    #expect(overflows == 4)  // 4096, -4096, 2047 (rounds up to 128), 32767
    var wideOverflows: UInt32 = 0
    _ = raws.map { cast.apply(wide: Int128($0), overflows: &wideOverflows) }
    #expect(wideOverflows == 4)
    #expect(!FixedCast(from: fmt("ap_fixed<8,3>"), to: fmt("ap_fixed<16,6>")).canOverflow)
    #expect(!FixedCast(from: fmt("ap_ufixed<8,3>"), to: fmt("ap_fixed<9,4>")).canOverflow)
    #expect(FixedCast(from: fmt("ap_fixed<8,3>"), to: fmt("ap_ufixed<16,6>")).canOverflow)
    #expect(FixedCast(from: fmt("ap_fixed<8,3>"), to: fmt("ap_fixed<8,3,AP_TRN,AP_SAT_SYM>")).canOverflow)  // min -> -max
    #expect(!FixedCast(from: fmt("ap_fixed<8,3>"), to: fmt("ap_fixed<8,3,AP_TRN,AP_SAT>")).canOverflow)
  }

  @Test("no input traps: every path with extreme and invalid raw values")
  func noTraps() {
    let sources = ["ap_fixed<64,1>", "ap_ufixed<64,64>", "ap_fixed<64,-2000>", "ap_ufixed<64,3000>", "ap_fixed<8,0>",
                   "ap_fixed<1,1>", "ac_fixed<64,64,false>", "ap_uint<64>"].map(fmt)
    let targets = ["ap_fixed<64,1,AP_RND_CONV,AP_SAT_SYM>", "ap_ufixed<64,2,AP_RND,AP_WRAP,64>", "ap_fixed<1,-3000,AP_RND_INF,AP_SAT>",
                   "ap_int<64>", "ap_uint<1>", "ac_fixed<64,-64,true,AC_RND_CONV_ODD,AC_SAT>", "ac_int<64,false>",
                   "ap_fixed<2,2000,AP_TRN_ZERO,AP_WRAP,2>"].map(fmt)
    let raws: [Int64] = [0, 1, -1, Int64.min, Int64.max, 0x5555_5555_5555_5555, Int64.min + 1]
    let wides: [Int128] = [0, 1, -1, Int128.min, Int128.max, Int128(Int64.min) * 3]
    var sink: Int64 = 0
    for s in sources {
      for t in targets {
        let c = FixedCast(from: s, to: t)
        for r in raws { sink &+= c.apply(r) &+ c.applyReportingStatus(r).raw }
        for r in wides { sink &+= c.apply(wide: r) }
        for r in raws {
          sink &+= t.quantize(Double(bitPattern: UInt64(bitPattern: r))).raw &+ t.quantize(Float(bitPattern: UInt32(truncatingIfNeeded: r))).raw
          sink &+= Int64(t.toCInt(r)) &+ t.toInt64(r) &+ Int64(t.toDouble(r).isNaN ? 1 : 0) &+ Int64(t.toFloat(r).isNaN ? 1 : 0)
        }
      }
      for t in sources {
        for (x, y) in zip(raws, raws.reversed()) {
          sink &+= Int64(truncatingIfNeeded: FixedProduct(s.exact, t.exact).apply(x, y))
          sink &+= Int64(truncatingIfNeeded: FixedSum(s.exact, t.exact, subtracting: true).apply(x, y))
          sink &+= Int64(truncatingIfNeeded: FixedQuotient(s, t).apply(x, y).raw)
          sink &+= Int64(truncatingIfNeeded: FixedQuotient(s.exact, t.exact, rule: .apFixed).apply(wide: Int128.min, -1).raw)
        }
      }
    }
    #expect(sink != 1)  // only that nothing trapped
  }

  @Test("64-bit unsigned formats: raws are bit patterns")
  func unsigned64() {
    let u = fmt("ap_ufixed<64,32>")
    let c = FixedCast(from: u, to: fmt("ap_fixed<16,6,AP_TRN,AP_SAT>"))
    #expect(c.applyReportingStatus(-1) == (32767, .saturated))  // 2^32 - 2^-32
    #expect(c.apply(1 << 32) == 1 << 10)  // 1.0
    let toU = FixedCast(from: fmt("ap_fixed<16,6>"), to: u)
    #expect(toU.applyReportingStatus(-1024) == (-(1 << 32), .wrapped))  // -1.0 wraps to 2^32 - 1
    #expect(fmt("ap_uint<64>").quantize(1.8446744073709552e19 - 4096).raw == -4096)
    #expect(FixedProduct(u.exact, u.exact).apply(-1, 2) == Int128(UInt64.max) * 2)
  }
}
