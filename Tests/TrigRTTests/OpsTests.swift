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

  @Test func shapeOpsAreAliases() throws {
    let m = try Model.load(path: Paths.fixture("ops/identity_dropout.onnx"))
    #expect(m.layers.map(\.kind) == ["relu"])
    let f = try Model.load(path: Paths.fixture("ops/constant_folding.onnx"))
    #expect(f.layers.count == 1, "Constant → Reshape → Mul on weights must fold at load time")
  }
}
