import Foundation
import Testing
@testable import TrigRT
import TrigRTTools

/// Every op fixture (Tests/Fixtures/ops, made by make_op_models.py with ONNX Runtime goldens).
struct OpCase: CustomTestStringConvertible, Sendable {
  var name: String
  var ops: [String]
  var atol: Double
  var testDescription: String { name }

  static let all: [OpCase] = {
    let data = FileManager.default.contents(atPath: Paths.fixture("ops/manifest.json")) ?? Data()
    let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: [String: Any]] ?? [:]
    return json.keys.sorted().map { k in
      OpCase(name: k, ops: json[k]?["ops"] as? [String] ?? [], atol: json[k]?["atol"] as? Double ?? 1e-5)
    }
  }()
}

@Suite struct OpsTests {
  @Test(arguments: OpCase.all)
  func matchesONNXRuntime(_ c: OpCase) throws {
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

  /// Fixed mode (the hls4ml frontend) does not run convolutions yet and says so.
  @Test func fixedModeRefusesConvolutions() {
    for name in ["conv2d_pads_bias_relu", "maxpool2d", "global_avgpool_flatten_gemm", "transpose_nchw_nhwc", "pad_constant_value"] {
      do {
        _ = try Model.load(path: Paths.fixture("ops/\(name).onnx"), options: LoadOptions(mode: .fixed))
        Issue.record("\(name) loaded in fixed mode")
      } catch {
        #expect(error.code == .unsupported)
        #expect(error.message.contains("not supported in fixed mode yet"), "\(name): \(error.message)")
      }
    }
  }

  @Test func shapeOpsAreAliases() throws {
    let m = try Model.load(path: Paths.fixture("ops/identity_dropout.onnx"))
    #expect(m.layers.map(\.kind) == ["relu"])
    let f = try Model.load(path: Paths.fixture("ops/constant_folding.onnx"))
    #expect(f.layers.count == 1, "Constant → Reshape → Mul on weights must fold at load time")
  }
}
