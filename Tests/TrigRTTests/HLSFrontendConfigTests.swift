import Foundation
import Testing
@testable import TrigRT

/// The precision-config reader: hls4ml's `convert_precision_string` spellings, YAML typing, and
/// the configs trigrt refuses up front with a clear message (HLS4ML-FRONTEND.md §3, §10).
@Suite struct HLSFrontendConfigTests {
  @Test func precisionStrings() throws {
    let cases: [(String, String)] = [
      ("fixed<8,3>", "ap_fixed<8,3>"), ("ufixed<8,3>", "ap_ufixed<8,3>"), ("fixed< 8,3>", "ap_fixed<8,3>"),
      ("fixed<08,03>", "ap_fixed<8,3>"), ("fixed<8,3> ", "ap_fixed<8,3>"), ("fixed<8,3,rnd_conv,sat_sym>", "ap_fixed<8,3,AP_RND_CONV,AP_SAT_SYM,0>"),
      ("ap_fixed<8,3,AP_RND,AP_SAT,1,2>", "ap_fixed<8,3,AP_RND,AP_SAT,1>"), ("fixed<8,-2>", "ap_fixed<8,-2>"), ("int<6>", "ap_int<6>"),
      ("uint<6>", "ap_uint<6>"), ("ac_fixed<8,3,false>", "ap_ufixed<8,3>"), ("ac_fixed<8,3,true,AC_RND,AC_SAT>", "ap_fixed<8,3,AP_RND,AP_SAT,0>"),
      ("Auto", "auto"), ("float", "float"),
    ]
    for (s, want) in cases { #expect(try HLSPrecisionParser.parse(s).description == want, "\(s)") }
    let bad: [(String, String)] = [("AP_FIXED<8,3>", "ValueError"), (" fixed<8,3>", "ValueError"), ("ap_fixed<8,3,ap_rnd>", "KeyError: 'AP_RND'"),
                                   ("fixed<8,3,RND,WRAP_SM>", "KeyError: 'WRSM'"), ("fixed<8,3,,SAT>", "KeyError: ''"),
                                   ("fixed<8>", "IndexError"), ("fixed(8,3)", "AttributeError")]
    for (s, why) in bad {
      do {
        _ = try HLSPrecisionParser.parse(s)
        Issue.record("\(s) parsed")
      } catch {
        #expect(error.message.contains(why), "\(s): \(error.message)")
      }
    }
  }

  @Test func yamlScalarsAreTypedAsPyYAMLTypesThem() throws {
    let cfg = try PrecisionConfig.parse("""
      Model:
        Precision: fixed<16,6>
        ReuseFactor: 1
      LayerName:
        Softmax_0:
          TableSize: 512
          Skip: false
          exp_scale: 0.5
          Implementation: 'stable'
      """, source: "t.yml")
    let e = cfg.document["LayerName"]!.dict!["Softmax_0"]!.dict!
    guard case .int(512)? = e["TableSize"], case .bool(false)? = e["Skip"], case .float(0.5)? = e["exp_scale"], case .str("stable")? = e["Implementation"] else {
      Issue.record("typed as \(e.items)")
      return
    }
  }

  @Test func refusedUpFront() {
    let cases: [(String, String)] = [
      ("Model: {Precision: fixed<16,6>, Strategy: Resource}", "Latency"),
      ("Model: {Precision: {default: auto}}", "loop forever"),
      ("Model: {Precision: fixed<16,6>, BitExact: true}", "bit-exact"),
      ("Model: {Precision: fixed<16,6>}\nFlows: [vivado:write]", "flows"),
      ("LayerName: {Dense_MatMul_0: {Strategy: resource}}", "Latency"),
      ("LayerName: {Relu_0: 3}", "mapping"),
      ("[1, 2]", "mapping"),
    ]
    for (text, needle) in cases {
      do {
        _ = try PrecisionConfig.parse(text, source: "t.yml")
        Issue.record("\(text) accepted")
      } catch {
        #expect(error.code == .precisionConfig)
        #expect(error.message.contains(needle), "\(text): \(error.message)")
      }
    }
  }

  /// Errors hls4ml raises while converting surface as TrigRTErrors naming the cause.
  @Test func conversionErrorsNameTheCause() throws {
    let model = Paths.root + "/firmware-sim/models/jet_tagger.cleaned.onnx"
    let cases: [(String, String)] = [
      ("Model: {Precision: {weight: fixed<8,3>}}", "No precision for global_in->result"),
      ("Model: {Precision: fixed<16,6>}\nLayerName: {Relu_0: {Precision: {result: 'fixed(8,3)'}}}", "AttributeError"),
      ("Model: {Precision: fixed<16,6>}\nLayerName: {Softmax_0: {Implementation: Stable}}", "implementation"),
      ("Model: {Precision: fixed<16,6>}\nLayerName: {Relu_0: {TableSize: '256'}}", "table_size"),
    ]
    for (text, needle) in cases {
      let cfg = try PrecisionConfig.parse(text, source: "t.yml")
      do {
        _ = try HLSFrontend.convert(path: model, config: cfg)
        Issue.record("\(text) converted")
      } catch {
        #expect(error.message.contains(needle), "\(text): \(error.message)")
      }
    }
  }
}
