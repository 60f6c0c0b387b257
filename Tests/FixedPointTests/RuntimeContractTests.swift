import FixedPoint
import Testing

/// The parts of the FixedPoint API the runtime relies on (the module's own sweeps and oracle
/// tests live beside this file).
@Suite struct RuntimeContractTests {
  @Test func parsesAndCastsTheHls4mlDefault() throws {
    let f = try FixedFormat(parsing: "ap_fixed<16,6>")
    #expect(f.width == 16 && f.integerBits == 6 && f.fractionalBits == 10 && f.isSigned)
    #expect(try FixedFormat(parsing: f.description) == f)
    // 1.5 · 2^10 = 1536; the product of two <16,6> values has 20 fractional bits.
    #expect(f.quantize(1.5).raw == 1536)
    let cast = FixedCast(from: .product(f.exact, f.exact), to: f)
    #expect(cast.apply(1536 * 1536) == 2304)   // 2.25
    #expect(cast.apply(-1) == -1)              // AP_TRN floors
  }
}
