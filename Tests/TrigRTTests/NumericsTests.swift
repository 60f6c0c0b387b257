import FixedPoint
import Testing
@testable import TrigRT

/// NaN, ±inf and subnormal inputs give the results trigrt.h documents (trigrt_session_run):
/// IEEE float32 without flush-to-zero in float mode, ap_fixed's conversion rules in fixed mode.
@Suite struct NumericsTests {
  static let tiny = Float(bitPattern: 1)             // the smallest subnormal, 1.4e-45
  static let subnormal = Float(bitPattern: 0x0040_0000)   // 5.9e-39
  static let negativeNaN = Float(bitPattern: 0xFFC0_0000)  // x86's default NaN (0.0/0.0)
  static let positiveNaN = Float(bitPattern: 0x7FC0_0000)

  /// Rows of `x` (each one sample) through `m` in one batch; float outputs.
  func run(_ m: Model, _ rows: [[Float]]) throws -> [[Float]] {
    let s = try Session.make(model: m, maxBatch: rows.count)
    let nin = m.inputs[0].count, nout = m.outputs[0].count
    let x = rows.flatMap { r in (0..<nin).map { r[$0 % r.count] } }
    var y = [Float](repeating: 12345, count: nout * rows.count)
    let f: RunFailure? = x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        var ins: [UnsafePointer<Float>?] = [xp.baseAddress]
        var outs: [UnsafeMutablePointer<Float>?] = [yp.baseAddress]
        return ins.withUnsafeMutableBufferPointer { i in outs.withUnsafeMutableBufferPointer { o in
          s.run(inputs: UnsafePointer(i.baseAddress), outputs: UnsafePointer(o.baseAddress), batch: rows.count) } }
      }
    }
    if let f { throw TrigRTError(f.status, "\(f)") }
    return (0..<rows.count).map { Array(y[$0 * nout..<($0 + 1) * nout]) }
  }

  func run64(_ s: Session, _ m: Model, _ row: [Double]) -> [Double] {
    let nin = m.inputs[0].count, nout = m.outputs[0].count
    let x = (0..<nin).map { row[$0 % row.count] }
    var y = [Double](repeating: 12345, count: nout)
    let f: RunFailure? = x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        var ins: [UnsafePointer<Double>?] = [xp.baseAddress]
        var outs: [UnsafeMutablePointer<Double>?] = [yp.baseAddress]
        return ins.withUnsafeMutableBufferPointer { i in outs.withUnsafeMutableBufferPointer { o in
          s.runF64(inputs: UnsafePointer(i.baseAddress), outputs: UnsafePointer(o.baseAddress), batch: 1) } }
      }
    }
    #expect(f == nil)
    return y
  }

  func op(_ name: String) throws -> Model { try Model.load(path: Paths.fixture("ops/\(name).onnx")) }

  // MARK: Float mode

  @Test func elementwiseActivations() throws {
    let inputs: [Float] = [.nan, .infinity, -.infinity, Self.tiny, -Self.tiny, Self.subnormal, -Self.subnormal, 0]
    let relu = try run(op("relu"), [inputs])[0]
    #expect(relu[0].isNaN && relu[1] == .infinity && relu[2] == 0)
    #expect(relu[3] == Self.tiny && relu[4] == 0 && relu[5] == Self.subnormal && relu[6] == 0, "no flush to zero: \(relu)")
    let sig = try run(op("sigmoid"), [inputs])[0]
    #expect(sig[0].isNaN && sig[1] == 1 && sig[2] == 0 && sig[3] == 0.5 && sig[4] == 0.5, "\(sig.prefix(8))")
    let tanh = try run(op("tanh"), [inputs])[0]
    #expect(tanh[0].isNaN && tanh[1] == 1 && tanh[2] == -1, "\(tanh.prefix(8))")
    #expect(abs(tanh[5] - Self.subnormal) <= 1e-44, "tanh of a subnormal: \(tanh[5])")
    let leaky = try run(op("leaky_relu_default"), [inputs])[0]
    #expect(leaky[0].isNaN && leaky[1] == .infinity && leaky[2] == -.infinity && leaky[3] == Self.tiny, "\(leaky.prefix(8))")
    #expect(leaky[6] == -Self.subnormal * 0.01, "leaky_relu of a negative subnormal: \(leaky[6])")
    for clip in ["clip_min_only", "clip_none"] {
      let c = try run(op(clip), [inputs])[0]
      #expect(c[0].isNaN, "\(clip) keeps NaN: \(c.prefix(8))")
    }
  }

  @Test func nanSpreadsThroughItsRowOnly() throws {
    for name in ["matmul_relu", "gemm_c_row", "gemm_transb", "matmul_tanh", "matmul_bn", "normalise", "opset21"] {
      let m = try op(name)
      var poisoned = [Float](repeating: 0.25, count: m.inputs[0].count)
      poisoned[0] = .nan
      let clean = [Float](repeating: 0.25, count: m.inputs[0].count)
      let alone = try run(m, [clean])[0]
      let y = try run(m, [poisoned, clean, poisoned])
      if name == "normalise" {
        #expect(y[0][0].isNaN && !y[0][1].isNaN, "element-wise: only that element")
      } else {
        #expect(y[0].allSatisfy { $0.isNaN } && y[2].allSatisfy { $0.isNaN }, "\(name): every output of a NaN row is NaN: \(y[0].prefix(4))")
      }
      #expect(zip(y[1], alone).allSatisfy { abs($0 - $1) <= 1e-6 * (1 + abs($1)) }, "\(name): the clean row is unaffected")
      #expect(y[1].allSatisfy { $0.isFinite })
    }
  }

  @Test func softmaxWithSpecialValues() throws {
    let m = try op("softmax13_last")   // axis of 5
    let y = try run(m, [[.nan, 1, 2, 3, 4], [.infinity, 1, 2, 3, 4], [-.infinity, 0, 0, 0, 0], [Self.tiny, 0, 0, 0, 0],
                        [.infinity, .infinity, 0, 0, 0], [1, 2, 3, 4, 5]])
    #expect(y[0].allSatisfy { $0.isNaN }, "a NaN in the axis: all NaN \(y[0])")
    #expect(y[1].allSatisfy { $0.isNaN }, "+inf in the axis: inf - inf is NaN \(y[1])")
    #expect(y[2][0] == 0 && y[2][1...].allSatisfy { $0 == 0.25 }, "-inf gets weight 0: \(y[2])")
    #expect(y[3].allSatisfy { $0 == 0.2 }, "\(y[3])")
    #expect(y[4].allSatisfy { $0.isNaN })
    #expect(y[5].allSatisfy { $0.isFinite } && abs(y[5].reduce(0, +) - 1) < 1e-6)
  }

  @Test func subnormalsAreNotFlushed() throws {
    // Gemm: y = x·W + b with x subnormal: the products are subnormal, not 0
    let w = ONNX.tensor("W", dims: [2, 2], floats: [1, 0, 0, 2])
    let bytes = ONNX.model(ONNX.graph(nodes: [ONNX.node("MatMul", ["x", "W"], ["y"])], inputs: [ONNX.value("x", sample: [2])],
                                      outputs: [ONNX.value("y", sample: [2])], initializers: [w]))
    let m = try bytes.withUnsafeBytes { b throws(TrigRTError) in try Model.load(bytes: b) }
    let y = try run(m, [[Self.subnormal, Self.tiny]])[0]
    #expect(y == [Self.subnormal, 2 * Self.tiny], "\(y)")
    let add = try run(op("mul_scalar"), [[Self.subnormal]])[0]
    #expect(add.allSatisfy { $0 != 0 && !$0.isNormal }, "\(add)")
  }

  // MARK: Fixed mode

  /// relu.onnx in fixed mode with every precision `format`.
  func fixedRelu(_ format: String) throws -> (Model, Session) {
    let cfg = "/tmp/trigrt-numerics-\(format.filter { $0.isLetter || $0.isNumber }).yml"
    let text = "Model:\n  Precision: '\(format)'\n"
    FileManager.default.createFile(atPath: cfg, contents: Array(text.utf8).withUnsafeBytes { Data($0) })
    let m = try Model.load(path: Paths.fixture("ops/relu.onnx"), options: LoadOptions(mode: .fixed, precisionConfig: cfg))
    return (m, try Session.make(model: m, maxBatch: 1))
  }

  @Test func fixedInputConversion() throws {
    let d = Double.self
    let sat = try FixedFormat(parsing: "ap_fixed<16,6,AP_RND,AP_SAT>")
    let wrap = try FixedFormat(parsing: "ap_fixed<16,6>")
    let lsb = 1.0 / 1024
    // ap_fixed's rules, straight from FixedPoint (the oracle-checked implementation)
    #expect(sat.toDouble(sat.quantize(d.infinity).raw) == 32 - lsb && sat.toDouble(sat.quantize(-d.infinity).raw) == -32)
    #expect(wrap.quantize(d.infinity).raw == 0 && wrap.quantize(-d.infinity).raw == 0)
    #expect(sat.toDouble(sat.quantize(Double(Self.negativeNaN)).raw) == -32, "x86's NaN has the sign bit set: the minimum")
    #expect(sat.toDouble(sat.quantize(Double(Self.positiveNaN)).raw) == 32 - lsb)
    #expect(wrap.quantize(Double(Self.negativeNaN)).raw == 0 && wrap.quantize(Double(Self.negativeNaN)).status.contains(.nan))
    #expect(wrap.quantize(Double(Self.tiny)).raw == 0 && wrap.quantize(-Double(Self.tiny)).raw == -1, "AP_TRN floors a negative subnormal to -1 LSB")
    #expect(sat.quantize(-Double(Self.tiny)).raw == 0 && sat.quantize(Double(Self.tiny)).raw == 0, "AP_RND rounds subnormals to 0")
    // …and the run path gives the same: relu of the converted input
    for (format, cases): (String, [(Double, Double)]) in [
      ("ap_fixed<16,6,AP_RND,AP_SAT>", [(Double.infinity, 32 - lsb), (-Double.infinity, 0), (Double(Self.positiveNaN), 32 - lsb), (Double(Self.negativeNaN), 0),
                                        (Double(Self.tiny), 0), (1e300, 32 - lsb), (0.5, 0.5)]),
      ("ap_fixed<16,6>", [(Double.infinity, 0), (-Double.infinity, 0), (Double(Self.positiveNaN), 0), (Double(Self.negativeNaN), 0), (-Double(Self.tiny), 0),
                          (Double(Self.tiny), 0), (70, 70 - 64)]),
    ] {
      let (m, s) = try fixedRelu(format)
      for (x, want) in cases {
        let y = run64(s, m, [x])
        #expect(y.allSatisfy { $0 == want }, "\(format): relu(\(x)) = \(y[0]), want \(want)")
      }
      // float inputs: the same conversions (a float NaN keeps its sign bit when widened)
      let yf: [Float] = try run(m, [[Float.infinity, Self.negativeNaN, Self.positiveNaN, -Float.infinity, Self.subnormal]])[0]
      let finite = yf.allSatisfy { $0.isFinite }
      #expect(finite, "\(format): \(yf.prefix(5))")
    }
  }

  @Test func fixedOutputsAreFiniteAndNaNsAreCounted() throws {
    let cfg = Paths.root + "/firmware-sim/configs/jet_tagger/mixed.yml"
    let m = try Model.load(path: Paths.root + "/firmware-sim/models/jet_tagger.cleaned.onnx", options: LoadOptions(mode: .fixed, precisionConfig: cfg))
    let s = try Session.make(model: m, maxBatch: 4)
    let specials: [Double] = [.nan, .infinity, -.infinity, Double(Self.tiny), -Double(Self.subnormal), 1e308, -1e-310, Double(Self.negativeNaN)]
    let y = run64(s, m, specials)
    let finite = y.allSatisfy { $0.isFinite }
    #expect(finite, "\(y)")
    #expect(s.nanInputs == 0, "not counted while the report is off")
    s.reporting = true
    _ = run64(s, m, specials)
    let n = m.inputs[0].count
    let expected = (0..<n).filter { specials[$0 % specials.count].isNaN }.count
    #expect(s.nanInputs == UInt64(expected), "\(s.nanInputs) NaNs counted, \(expected) given")
    _ = try run(m, [[.nan]])
    #expect(s.nanInputs == UInt64(expected), "another session's run is not counted here")
    s.resetStats()
    #expect(s.nanInputs == 0)
    // the observed (reporting) kernels give the same bits as the fast ones
    s.reporting = false
    let fast = run64(s, m, specials)
    s.reporting = true
    #expect(run64(s, m, specials) == fast)
  }

  @Test func qonnxFixedModeFollowsTheFloatRulesOutsideQuant() throws {
    let m = try Model.load(path: Paths.models("jet_tagger_qonnx.onnx"), options: LoadOptions(mode: .fixed))
    let s = try Session.make(model: m, maxBatch: 1)
    let y = run64(s, m, [.nan, 1, .infinity, -.infinity, Double(Self.tiny)])
    #expect(y.count == m.outputs[0].count)   // runs; values follow qonnx (float32 around the Quant nodes)
  }
}

import Foundation
