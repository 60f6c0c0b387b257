import Foundation
import Testing
@testable import TrigRT
import TrigRTTools

/// Every op fixture (Tests/Fixtures/ops, made by make_op_models.py with ONNX Runtime goldens).
struct OpCase: CustomTestStringConvertible, Sendable {
  var name: String
  var ops: [String]
  var atol: Double
  var inputs = 1
  var outputs = 1
  var testDescription: String { name }

  static let all: [OpCase] = {
    let data = FileManager.default.contents(atPath: Paths.fixture("ops/manifest.json")) ?? Data()
    let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: [String: Any]] ?? [:]
    return json.keys.sorted().map { k in
      OpCase(name: k, ops: json[k]?["ops"] as? [String] ?? [], atol: json[k]?["atol"] as? Double ?? 1e-5,
             inputs: json[k]?["inputs"] as? Int ?? 1, outputs: json[k]?["outputs"] as? Int ?? 1)
    }
  }()
}

@Suite struct OpsTests {
  @Test(arguments: OpCase.all)
  func matchesONNXRuntime(_ c: OpCase) throws {
    if c.inputs > 1 || c.outputs > 1 { return try matchesWithSeveralInputsAndOutputs(c) }
    let model = try Model.load(path: Paths.fixture("ops/\(c.name).onnx"))
    let x = try NPYArray.read(Paths.fixture("ops/\(c.name).inputs.npy"))
    let y = try NPYArray.read(Paths.fixture("ops/\(c.name).outputs.npy"))
    for batch in [1, 2, 5] {
      let (f32, f64) = try runAll(model, x, batch: batch)
      #expect(f32.count == y.values.count)
      let d = maxDiff(f32, y.values)
      #expect(d <= c.atol, "\(c.name) batch \(batch): max |diff| \(d) > \(c.atol)")
      #expect(zip(f32, f64).allSatisfy { Double($0) == $1 || ($0.isNaN && $1.isNaN) }, "f32 and f64 runs differ")
    }
  }

  /// Fixtures with several graph inputs and outputs (`<case>.inputs1.npy`, `<case>.outputs1.npy`, …),
  /// in batches of 1, 2 and 5, float and f64 runs.
  func matchesWithSeveralInputsAndOutputs(_ c: OpCase) throws {
    let model = try Model.load(path: Paths.fixture("ops/\(c.name).onnx"))
    #expect(model.inputs.count == c.inputs && model.outputs.count == c.outputs)
    func file(_ kind: String, _ i: Int) -> String { Paths.fixture("ops/\(c.name).\(kind)\(i == 0 ? "" : "\(i)").npy") }
    let xs = try (0..<c.inputs).map { i throws in try NPYArray.read(file("inputs", i)) }
    let ys = try (0..<c.outputs).map { i throws in try NPYArray.read(file("outputs", i)) }
    let rows = xs[0].shape[0]
    for batch in [1, 2, 5] {
      let session = try Session.make(model: model, maxBatch: batch)
      var got = (0..<c.outputs).map { _ in [Float]() }
      var got64 = (0..<c.outputs).map { _ in [Double]() }
      var r = 0
      while r < rows {
        let n = min(batch, rows - r)
        let ins: [[Float]] = (0..<c.inputs).map { i in
          let per = model.inputs[i].count
          return (0..<(n * per)).map { Float(xs[i].values[r * per + $0]) }
        }
        let inPtrs = ins.map { a -> UnsafeMutablePointer<Float> in
          let p = UnsafeMutablePointer<Float>.allocate(capacity: a.count); p.initialize(from: a, count: a.count); return p
        }
        let in64 = ins.map { a -> UnsafeMutablePointer<Double> in
          let p = UnsafeMutablePointer<Double>.allocate(capacity: a.count); p.initialize(from: a.map(Double.init), count: a.count); return p
        }
        let outPtrs = (0..<c.outputs).map { j in UnsafeMutablePointer<Float>.allocate(capacity: n * model.outputs[j].count) }
        let out64 = (0..<c.outputs).map { j in UnsafeMutablePointer<Double>.allocate(capacity: n * model.outputs[j].count) }
        defer { for p in inPtrs { p.deallocate() }; for p in in64 { p.deallocate() }; for p in outPtrs { p.deallocate() }; for p in out64 { p.deallocate() } }
        let i32: [UnsafePointer<Float>?] = inPtrs.map { UnsafePointer($0) }, o32: [UnsafeMutablePointer<Float>?] = outPtrs
        let i64: [UnsafePointer<Double>?] = in64.map { UnsafePointer($0) }, o64: [UnsafeMutablePointer<Double>?] = out64
        let f1 = i32.withUnsafeBufferPointer { ip in o32.withUnsafeBufferPointer { op in session.run(inputs: ip.baseAddress, outputs: op.baseAddress, batch: n) } }
        let f2 = i64.withUnsafeBufferPointer { ip in o64.withUnsafeBufferPointer { op in session.runF64(inputs: ip.baseAddress, outputs: op.baseAddress, batch: n) } }
        #expect(f1 == nil && f2 == nil)
        for j in 0..<c.outputs {
          let m = n * model.outputs[j].count
          got[j] += Array(UnsafeBufferPointer(start: outPtrs[j], count: m))
          got64[j] += Array(UnsafeBufferPointer(start: out64[j], count: m))
        }
        r += n
      }
      for j in 0..<c.outputs {
        #expect(got[j].count == ys[j].values.count)
        let d = maxDiff(got[j], ys[j].values)
        #expect(d <= c.atol, "\(c.name) output \(j) batch \(batch): max |diff| \(d) > \(c.atol)")
        #expect(zip(got[j], got64[j]).allSatisfy { Double($0) == $1 }, "f32 and f64 runs differ")
      }
    }
  }

  /// ggml's COUNT static_assert, Swift style: every op trigrt lowers has a fixture.
  @Test func everyOpKindIsCovered() {
    let covered = Set(OpCase.all.flatMap(\.ops))
    #expect(OpCase.all.count >= 40)
    for k in OpKind.allCases {
      #expect(covered.contains(k.rawValue), "no fixture in Tests/Fixtures/ops exercises \(k.rawValue)")
    }
  }

  @Test func fusionFoldsBiasAndActivation() throws {
    let m = try Model.load(path: Paths.fixture("ops/matmul_relu.onnx"))
    #expect(m.layers.count == 1)
    #expect(m.layers[0].opTypes == ["MatMul", "Add", "Relu"])
    let bn = try Model.load(path: Paths.fixture("ops/matmul_bn.onnx"))
    #expect(bn.layers.map(\.opTypes) == [["MatMul", "BatchNormalization"]])
  }

  @Test func convFusions() throws {
    func ops(_ name: String) throws -> [[String]] { try Model.load(path: Paths.fixture("ops/\(name).onnx")).layers.map(\.opTypes) }
    #expect(try ops("conv2d_pads_bias_relu") == [["Conv", "Relu"]])
    #expect(try ops("conv_add_relu_fused") == [["Conv", "Add", "Relu"]])
    #expect(try ops("conv_bn_relu_fused") == [["Conv", "BatchNormalization", "Relu"]])
    #expect(try ops("conv_mul_sub_fused") == [["Conv", "Mul", "Sub"]])
    // The Add's constant varies within a channel: it stays a layer of its own.
    #expect(try ops("conv_add_not_fusable") == [["Conv"], ["Add"]])
    // Through the Squeeze alias, as tf2onnx writes Conv1D.
    #expect(try ops("conv1d_tf2onnx_chain") == [["Transpose"], ["Conv", "Add", "Relu"]])
    #expect(try ops("pad_conv_fused") == [["Pad", "Conv"]])
    #expect(try ops("pad_constant_value") == [["Pad"]])
    #expect(try ops("transpose_alias") == [["Relu"]])
    #expect(try ops("transpose_folded_weight") == [["MatMul"]])
    #expect(try ops("cnn_chain") == [["Transpose"], ["Conv", "BatchNormalization", "Relu"], ["MaxPool"], ["Conv", "Relu"],
                                     ["GlobalAveragePool"], ["Gemm"], ["Softmax"]])
  }

  /// Every model in Tests/Fixtures/ops/refused is refused at load with its status and reason.
  @Test func refusalsNameTheReason() throws {
    let data = FileManager.default.contents(atPath: Paths.fixture("ops/refused/manifest.json")) ?? Data()
    let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: [String: String]] ?? [:]
    #expect(json.count >= 15)
    let codes: [String: Status] = ["unsupported": .unsupported, "shape": .shape, "malformed": .malformed]
    for (name, c) in json.sorted(by: { $0.key < $1.key }) {
      do {
        _ = try Model.load(path: Paths.fixture("ops/refused/\(name).onnx"))
        Issue.record("\(name) loaded")
      } catch {
        #expect(error.code == codes[c["status"] ?? ""], "\(name): \(error.code) \(error.message)")
        #expect(error.message.contains(c["needle"] ?? "?"), "\(name): '\(error.message)' lacks '\(c["needle"] ?? "")'")
        #expect(error.message.contains("\(name).onnx: node "), "\(name): '\(error.message)' does not name the file and node")
      }
    }
  }

  /// Fixed mode (the hls4ml frontend) refuses channels-first convolutions and the ops it has no
  /// layer for, and says why: hls4ml's own refusal where hls4ml rejects the op, or the
  /// channels-last conversion / rank-2 scope trigrt does not reproduce.
  @Test func fixedModeRefusesConvolutions() {
    let cases = [("conv2d_pads_bias_relu", "Conv"), ("maxpool2d", "MaxPool"), ("pad_constant_value", "Pad"), ("resize_nearest_default", "Resize"),
                 ("max_min_clipped_relu", "Min"), ("reduce_mean_spatial", "ReduceMean"), ("gather_const_indices", "Gather"),
                 ("cast_int64_roundtrip", "Cast")]
    for (name, op) in cases {
      do {
        _ = try Model.load(path: Paths.fixture("ops/\(name).onnx"), options: LoadOptions(mode: .fixed))
        Issue.record("\(name) loaded in fixed mode")
      } catch {
        #expect(error.code == .unsupported)
        #expect(error.message.contains("fixed mode: ") && error.message.contains(op), "\(name): \(error.message)")
      }
    }
  }

  /// A Transpose and a global pool on the model input are hls4ml layers in fixed mode: the
  /// Transpose permutes exactly (inputs on ap_fixed<16,6>'s grid come out as float mode gives
  /// them), the GlobalAveragePool becomes GlobalPooling2D with hls4ml's channels-last indexing
  /// reported as a trap (its arithmetic: FixedConvTests, firmware-sim's calo_pool_cnn goldens).
  @Test func fixedModeRunsTransposeAndGlobalPooling() throws {
    let t = Paths.fixture("ops/transpose_nchw_nhwc.onnx")
    let fixed = try Model.load(path: t, options: LoadOptions(mode: .fixed)), float = try Model.load(path: t)
    let n = fixed.inputs[0].count
    let x = NPYArray(shape: [2] + fixed.inputs[0].shape, values: (0..<(2 * n)).map { Double($0 * 37 % 101 - 50) / 64 })
    #expect(try runAll(fixed, x, batch: 2).f64 == runAll(float, x, batch: 2).f64)
    let g = try Model.load(path: Paths.fixture("ops/global_avgpool_flatten_gemm.onnx"), options: LoadOptions(mode: .fixed))
    let pool = try #require(g.layers.first { $0.opTypes.contains("GlobalPooling2D") || $0.name.hasPrefix("GlobalAveragePool") })
    #expect(pool.notes.contains { $0.hasPrefix("trap:") && $0.contains("channels-first") })
  }

  /// The new ops' plans: Shape and its arithmetic fold away, casts to float are aliases, Max/Min
  /// with several inputs chain, a single-input Max and a no-op ReduceMean are aliases.
  @Test func triggerOpPlans() throws {
    func kinds(_ name: String) throws -> [String] { try Model.load(path: Paths.fixture("ops/\(name).onnx")).layers.map(\.kind) }
    #expect(try kinds("shape_flatten_view") == ["dense 24→5"])
    #expect(try kinds("cast_folded_double") == ["mul"])
    #expect(try kinds("max_three_broadcast").filter { $0 == "max" }.count == 2)
    #expect(try kinds("max_single_input") == ["tanh"])
    #expect(try kinds("reduce_mean_noop_opset18") == ["relu"])
    #expect(try kinds("reduce_folded_weight") == ["dense 5→3"])
    #expect(try kinds("gather_folded") == ["dense 4→2"])
    #expect(try kinds("upsample_opset9") == ["resize (nearest)"])
    #expect(try kinds("gather_embedding").first == "embedding 10×3")
  }

  /// Embedding indices that are not integers in range give zero rows, never a trap.
  @Test func embeddingIndicesOutOfRangeGiveZeros() throws {
    let model = try Model.load(path: Paths.fixture("ops/gather_embedding.onnx"))
    let session = try Session.make(model: model, maxBatch: 1)
    let bad: [Float] = [10, -11, .nan, .infinity, 2.5, 1e30]
    var out = [Float](repeating: .nan, count: 4)
    let f: RunFailure? = bad.withUnsafeBufferPointer { xp in
      out.withUnsafeMutableBufferPointer { yp in
        let ins: [UnsafePointer<Float>?] = [xp.baseAddress], outs: [UnsafeMutablePointer<Float>?] = [yp.baseAddress]
        return ins.withUnsafeBufferPointer { i in outs.withUnsafeBufferPointer { o in session.run(inputs: i.baseAddress, outputs: o.baseAddress, batch: 1) } }
      }
    }
    #expect(f == nil)
    // All rows zero: the Gemm's output is its bias C.
    let bytes = try ONNXReader.readFile(Paths.fixture("ops/gather_embedding.onnx"))
    let g = try bytes.withUnsafeBytes { b throws(TrigRTError) in try ONNXReader.parse(b, source: "gather_embedding.onnx") }
    #expect(out == g.initializers["C"]!.values.map(Float.init))
  }

  @Test func shapeOpsAreAliases() throws {
    let m = try Model.load(path: Paths.fixture("ops/identity_dropout.onnx"))
    #expect(m.layers.map(\.kind) == ["relu"])
    let f = try Model.load(path: Paths.fixture("ops/constant_folding.onnx"))
    #expect(f.layers.count == 1, "Constant → Reshape → Mul on weights must fold at load time")
  }
}
