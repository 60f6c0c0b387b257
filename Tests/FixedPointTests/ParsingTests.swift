// Parsing every spelling hls4ml configs and HLS code use; the error messages for bad ones;
// canonical printing and round trips.

import Testing
import FixedPoint

private func f(
  _ kind: FixedFormat.Kind, _ w: Int, _ i: Int, _ s: Bool, _ q: FixedFormat.Quantization = .trn,
  _ o: FixedFormat.Overflow = .wrap, _ n: Int = 0
) -> FixedFormat {
  try! FixedFormat(kind: kind, width: w, integerBits: i, isSigned: s, quantization: q, overflow: o, saturationBits: n)
}

@Suite("Parsing and printing precision strings")
struct ParsingTests {
  static let accepted: [(String, FixedFormat)] = [
    // Xilinx C++ spellings
    ("ap_fixed<16,6>", f(.apFixed, 16, 6, true)),
    ("ap_fixed<8,3,AP_RND_CONV,AP_SAT_SYM>", f(.apFixed, 8, 3, true, .rndConv, .satSym)),
    ("ap_fixed<10,4,AP_RND,AP_WRAP,2>", f(.apFixed, 10, 4, true, .rnd, .wrap, 2)),
    ("ap_fixed<12,4,AP_RND_ZERO,AP_SAT_ZERO>", f(.apFixed, 12, 4, true, .rndZero, .satZero)),
    ("ap_fixed<12,4,AP_TRN,AP_WRAP,2>", f(.apFixed, 12, 4, true, .trn, .wrap, 2)),
    ("ap_fixed<8,3,AP_TRN_ZERO>", f(.apFixed, 8, 3, true, .trnZero)),
    ("ap_fixed<8,3,AP_RND_INF,AP_SAT>", f(.apFixed, 8, 3, true, .rndInf, .sat)),
    ("ap_fixed<8,3,AP_RND_MIN_INF,AP_SAT,3>", f(.apFixed, 8, 3, true, .rndMinInf, .sat, 3)),
    ("ap_ufixed<8,3>", f(.apFixed, 8, 3, false)),
    ("ap_ufixed<6,3,AP_RND_CONV,AP_SAT>", f(.apFixed, 6, 3, false, .rndConv, .sat)),
    ("ap_fixed<8,-3>", f(.apFixed, 8, -3, true)),
    ("ap_fixed<4,10>", f(.apFixed, 4, 10, true)),
    ("ap_fixed<64,64>", f(.apFixed, 64, 64, true)),
    ("ap_ufixed<1,1>", f(.apFixed, 1, 1, false)),
    ("ap_int<8>", f(.apInt, 8, 8, true)),
    ("ap_uint<64>", f(.apInt, 64, 64, false)),
    // hls4ml spellings
    ("fixed<16,6>", f(.apFixed, 16, 6, true)),
    ("ufixed<10,4,RND_CONV,SAT>", f(.apFixed, 10, 4, false, .rndConv, .sat)),
    ("fixed<12,4,RND_ZERO,SAT_ZERO>", f(.apFixed, 12, 4, true, .rndZero, .satZero)),
    ("fixed<12, 4, rnd_zero, sat_zero>", f(.apFixed, 12, 4, true, .rndZero, .satZero)),
    ("fixed<12,4,AP_RND_ZERO,sat_zero>", f(.apFixed, 12, 4, true, .rndZero, .satZero)),
    ("fixed<12,4,RND_ZERO,AP_SAT_ZERO>", f(.apFixed, 12, 4, true, .rndZero, .satZero)),
    ("fixed<16,6,Rnd,Sat>", f(.apFixed, 16, 6, true, .rnd, .sat)),
    ("fixed<16,6,AP_rnd>", f(.apFixed, 16, 6, true, .rnd)),
    ("ap_fixed<16,6,rnd_conv>", f(.apFixed, 16, 6, true, .rndConv)),
    ("fixed<10,4,RND,WRAP,2>", f(.apFixed, 10, 4, true, .rnd, .wrap, 2)),
    ("fixed<16,6,AC_RND>", f(.apFixed, 16, 6, true, .rnd)),  // hls4ml strips AC_ too
    ("int<8>", f(.apInt, 8, 8, true)),
    ("uint<3>", f(.apInt, 3, 3, false)),
    ("  ap_fixed <16 , 6 >  ", f(.apFixed, 16, 6, true)),
    ("fixed<+16,+6>", f(.apFixed, 16, 6, true)),
    // ac_fixed / ac_int
    ("ac_fixed<16,6>", f(.acFixed, 16, 6, true)),
    ("ac_fixed<16,6,true>", f(.acFixed, 16, 6, true)),
    ("ac_fixed<16,6,false>", f(.acFixed, 16, 6, false)),
    ("ac_fixed<16,6,true,AC_RND,AC_SAT>", f(.acFixed, 16, 6, true, .rnd, .sat)),
    ("ac_fixed<8,3,1,AC_RND_CONV_ODD,AC_SAT_SYM>", f(.acFixed, 8, 3, true, .rndConvOdd, .satSym)),
    ("ac_fixed<8,3,0,RND>", f(.acFixed, 8, 3, false, .rnd)),
    ("ac_fixed<8,3,FALSE,rnd_zero,sat_zero>", f(.acFixed, 8, 3, false, .rndZero, .satZero)),
    ("ac_fixed<8,3,true,AP_RND>", f(.acFixed, 8, 3, true, .rnd)),
    ("ac_int<8>", f(.acInt, 8, 8, true)),
    ("ac_int<8,false>", f(.acInt, 8, 8, false)),
    ("ac_int<8,true>", f(.acInt, 8, 8, true)),
  ]

  @Test("accepted spellings", arguments: accepted)
  func accepts(_ text: String, _ expected: FixedFormat) throws {
    let parsed = try FixedFormat(parsing: text)
    #expect(parsed == expected)
    #expect(FixedFormat(text) == expected)
    #expect(try FixedFormat(parsing: parsed.description) == parsed)
  }

  /// (input, a phrase the message must contain, the 1-based column it must point at)
  static let rejected: [(String, String, Int)] = [
    ("ap_fixed<16,6,ap_rnd>", "prefix must be upper-case; write AP_RND or rnd", 15),
    ("fixed<16,6,RND,ap_sat>", "prefix must be upper-case; write AP_SAT or sat", 16),
    ("ap_fixed<16,6,AP_RND,AP_WRAP_SM>", "AP_WRAP_SM (sign-magnitude wrap) is not supported", 22),
    ("ap_fixed<16,6,>", "empty parameter", 15),
    ("fixed<16,,AP_RND>", "empty parameter", 10),
    ("ap_fixed<,6>", "empty parameter", 10),
    ("AP_FIXED<16,6>", "type names are lower-case", 1),
    ("Fixed<16,6>", "type names are lower-case", 1),
    ("ap_fixed<16>", "takes 2 to 5 parameters <W,I[,Q[,O[,N]]]>, found 1", 10),
    ("fixed<8,3,RND,SAT,1,2>", "takes 2 to 5 parameters", 21),
    ("ap_fixed<65,6>", "width 65 is out of range: trigrt supports 1…64 bits", 10),
    ("ap_fixed<0,0>", "width 0 is out of range", 10),
    ("ap_fixed<8,3,AP_RND,AP_SAT,9>", "saturation bits 9 are out of range 0…8", 28),
    ("ap_fixed<8,3,AP_SAT>", "found the overflow mode \"AP_SAT\"", 14),
    ("ap_fixed<8,3,AP_RND,AP_RND>", "expected an overflow mode (AP_WRAP, AP_SAT, AP_SAT_ZERO or AP_SAT_SYM", 21),
    ("ap_fixed<8,3,AP_RND_CONV_ODD>", "RND_CONV_ODD exists only in ac_fixed", 14),
    ("ap_fixed<8,3,AP_FOO>", "expected a quantization mode (AP_TRN, AP_TRN_ZERO, AP_RND", 14),
    ("ap_fixed<8,x>", "expected an integer number of integer bits I, found \"x\"", 12),
    ("ap_fixed<8.5,3>", "expected an integer width W, found \"8.5\"", 10),
    ("ap_fixed<8,3,AP_RND,AP_SAT,-1>", "saturation bits -1 are out of range", 28),
    ("ap_int<8,AP_RND>", "ap_int takes exactly 1 parameter <W>, found 2", 10),
    ("int<8,4>", "int takes exactly 1 parameter", 7),
    ("ap_int<65>", "width 65 is out of range", 8),
    ("ac_fixed<8,3,maybe>", "expected the signedness S (true, false, 1 or 0), found \"maybe\"", 14),
    ("ac_fixed<8,3,true,AC_RND,AC_SAT,2>", "ac_fixed has no saturation-bits parameter", 33),
    ("ac_fixed<8,3,true,AC_RND,AC_WRAP_SM>", "not supported", 26),
    ("ac_int<8,true,1>", "ac_int takes 1 or 2 parameters", 15),
    ("ap_fixed<16,6>x", "unexpected text after '>'", 15),
    ("ap_fixed<16,6", "found end of input", 14),
    ("ap_fixed<16<6>>", "unexpected '<'", 12),
    ("ap_fixed16,6>", "expected a type name", 1),
    ("ap_fixed", "expected '<' after ap_fixed, found end of input", 9),
    ("", "expected a type name (ap_fixed, ap_ufixed, fixed, ufixed, ap_int, ap_uint, int, uint, ac_fixed or ac_int), found end of input", 1),
    ("auto", "auto is not a fixed-point or integer precision", 1),
    ("float", "float is not a fixed-point or integer precision", 1),
    ("ac_std_float<32,8>", "not a fixed-point or integer precision", 1),
    ("ap_fixed<16,2000000>", "integer bits 2000000 are out of range", 13),
  ]

  @Test("rejected spellings say what was expected and where", arguments: rejected)
  func rejects(_ text: String, _ phrase: String, _ column: Int) {
    do {
      let f = try FixedFormat(parsing: text)
      Issue.record("\"\(text)\" parsed as \(f)")
    } catch {
      #expect(error.message.contains(phrase), "message: \(error)")
      #expect(error.column == column, "message: \(error)")
      #expect(error.input == text)
      #expect(error.description.contains("at column \(column) of \"\(text)\""))
    }
    #expect(FixedFormat(text) == nil)
  }

  @Test("canonical descriptions")
  func descriptions() throws {
    let cases: [(String, String)] = [
      ("fixed<16,6>", "ap_fixed<16,6>"),
      ("fixed<16,6,TRN,WRAP>", "ap_fixed<16,6>"),
      ("fixed<16,6,TRN,WRAP,0>", "ap_fixed<16,6>"),
      ("ufixed<8,3,RND>", "ap_ufixed<8,3,AP_RND>"),
      ("fixed<8,3,TRN,SAT>", "ap_fixed<8,3,AP_TRN,AP_SAT>"),
      ("fixed<10,4,RND,WRAP,2>", "ap_fixed<10,4,AP_RND,AP_WRAP,2>"),
      ("fixed<10,4,TRN,SAT,2>", "ap_fixed<10,4,AP_TRN,AP_SAT,2>"),
      ("int<8>", "ap_int<8>"),
      ("uint<3>", "ap_uint<3>"),
      ("ac_fixed<12,4>", "ac_fixed<12,4,true>"),
      ("ac_fixed<12,4,false,AC_RND_CONV_ODD>", "ac_fixed<12,4,false,AC_RND_CONV_ODD>"),
      ("ac_fixed<12,4,0,TRN,SAT_SYM>", "ac_fixed<12,4,false,AC_TRN,AC_SAT_SYM>"),
      ("ac_int<7>", "ac_int<7,true>"),
    ]
    for (text, canonical) in cases {
      #expect(try FixedFormat(parsing: text).description == canonical)
    }
  }

  @Test("every valid format round-trips through its description")
  func roundTrip() throws {
    var count = 0
    for w in [1, 2, 7, 8, 16, 31, 32, 33, 63, 64] {
      for i in [-70, -1, 0, 1, w, w + 5, 200] {
        for s in [true, false] {
          for q in FixedFormat.Quantization.allCases {
            for o in FixedFormat.Overflow.allCases {
              for n in [0, 1, w] {
                for kind in [FixedFormat.Kind.apFixed, .acFixed] {
                  guard let fmt = try? FixedFormat(kind: kind, width: w, integerBits: i, isSigned: s, quantization: q, overflow: o, saturationBits: n) else { continue }
                  #expect(try FixedFormat(parsing: fmt.description) == fmt, "\(fmt)")
                  count += 1
                }
              }
            }
          }
        }
        for kind in [FixedFormat.Kind.apInt, .acInt] {
          for s in [true, false] {
            let fmt = try FixedFormat.integer(kind, width: w, isSigned: s)
            #expect(try FixedFormat(parsing: fmt.description) == fmt)
            count += 1
          }
        }
      }
    }
    #expect(count > 10_000)
  }

  @Test("the initializer validates like the C++ templates")
  func validation() {
    func err(
      _ k: FixedFormat.Kind, _ w: Int, _ i: Int, _ q: FixedFormat.Quantization, _ o: FixedFormat.Overflow, _ n: Int
    ) -> FixedFormatError? {
      do {
        _ = try FixedFormat(kind: k, width: w, integerBits: i, isSigned: true, quantization: q, overflow: o, saturationBits: n)
        return nil
      } catch {
        return error
      }
    }
    #expect(err(.apFixed, 65, 1, .trn, .wrap, 0) == .widthOutOfRange(65))
    #expect(err(.apFixed, 0, 1, .trn, .wrap, 0) == .widthOutOfRange(0))
    #expect(err(.apFixed, 8, 3, .trn, .wrap, 9) == .saturationBitsOutOfRange(saturationBits: 9, width: 8))
    #expect(err(.apFixed, 8, 3, .trn, .wrap, -1) == .saturationBitsOutOfRange(saturationBits: -1, width: 8))
    #expect(err(.apFixed, 8, 3, .rndConvOdd, .wrap, 0) == .quantizationNotSupported(.rndConvOdd, .apFixed))
    #expect(err(.acFixed, 8, 3, .rnd, .wrap, 1) == .saturationBitsNotSupported(.acFixed))
    #expect(err(.apInt, 8, 3, .trn, .wrap, 0) == .integerKindNeedsIntegerBitsEqualToWidth(integerBits: 3, width: 8))
    #expect(err(.acInt, 8, 8, .rnd, .wrap, 0) == .integerKindHasNoModes(.acInt))
    #expect(err(.apFixed, 8, 1 << 21, .trn, .wrap, 0) == .integerBitsOutOfRange(1 << 21))
    // N may be given with any overflow mode (ap_fixed ignores it unless AP_WRAP), up to W.
    #expect(err(.apFixed, 8, 3, .trn, .sat, 8) == nil)
    do {
      _ = try FixedFormat.integer(.apFixed, width: 8, isSigned: true)
      Issue.record("integer(.apFixed) should throw")
    } catch {
      #expect(error == .notAnIntegerKind(.apFixed))
      #expect(error.description == "ap_fixed is not an integer kind (use .apInt or .acInt)")
    }
    #expect(FixedFormatError.widthOutOfRange(65).description == "width 65 is out of range: trigrt supports 1…64 bits")
  }

  @Test("derived properties")
  func derived() throws {
    let a = try FixedFormat(parsing: "ap_fixed<16,6>")
    #expect(a.fractionalBits == 10 && a.minRaw == -32768 && a.maxRaw == 32767 && a.resolution == 1.0 / 1024)
    let exact = try ExactFormat(width: 16, integerBits: 6, isSigned: true)
    #expect(a.library == .ap && !a.isInteger && a.exact == exact)
    let u = try FixedFormat(parsing: "ap_ufixed<8,-2>")
    #expect(u.fractionalBits == 10 && u.minRaw == 0 && u.maxRaw == 255)
    let big = try FixedFormat(parsing: "ap_fixed<8,12>")
    #expect(big.fractionalBits == -4 && big.resolution == 16)
    let u64 = try FixedFormat(parsing: "ap_uint<64>")
    #expect(u64.maxRaw == -1 && u64.value(ofRaw: -1) == Int128(UInt64.max) && u64.maxValueRaw == Int128(UInt64.max))
    #expect(u64.isInteger && u64.fractionalBits == 0)
    let s64 = try FixedFormat(parsing: "ap_fixed<64,1>")
    #expect(s64.minRaw == Int64.min && s64.maxRaw == Int64.max)
    let acInt = try FixedFormat(parsing: "ac_int<5,false>")
    #expect(acInt.library == .ac)
    #expect(a.isValidRaw(32767) && !a.isValidRaw(32768) && a.isValidRaw(-32768) && !a.isValidRaw(-32769))
    #expect(u.isValidRaw(255) && !u.isValidRaw(-1) && u64.isValidRaw(-1))
    let tiny = try FixedFormat(parsing: "ap_fixed<8,-2000>")
    #expect(tiny.resolution == 0)
  }
}
