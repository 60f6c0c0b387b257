import Testing
@testable import TrigRT
import TrigRTTools

/// The project's zoo (Models/, ONNX Runtime goldens) and the published float models in
/// ../shared/models that the float op set covers: trigrt within 1e-5.
@Suite struct ZooTests {
  static let zoo = ["deepcsv", "jet_tagger", "tracknn"]

  @Test(arguments: zoo)
  func zooMatchesONNXRuntime(_ name: String) throws {
    let model = try Model.load(path: Paths.models("\(name).onnx"))
    let x = try NPYArray.read(Paths.models("\(name).inputs.npy"))
    let y = try NPYArray.read(Paths.models("\(name).outputs.npy"))
    #expect(x.shape[0] == 1000)
    for batch in [1, 4, 64] {
      let (f32, _) = try runAll(model, x, batch: batch)
      let d = maxDiff(f32, y.values)
      #expect(d <= 1e-5, "\(name) batch \(batch): max |diff| \(d)")
    }
  }

  @Test(arguments: ["jettag_mlp_float", "jettag_mlp_bn_float"])
  func publishedModelsMatchONNXRuntime(_ name: String) throws {
    guard let dir = Paths.shared else {
      print("skipped: ../shared/models is absent (published models are not part of the repository)")
      return
    }
    let model = try Model.load(path: "\(dir)/\(name).onnx")
    let x = try NPYArray.read("\(dir)/\(name).inputs.npy")
    let y = try NPYArray.read("\(dir)/\(name).outputs.npy")
    for batch in [1, 7] {
      let (f32, _) = try runAll(model, x, batch: batch)
      let d = maxDiff(f32, y.values)
      #expect(d <= 1e-5, "\(name) batch \(batch): max |diff| \(d)")
    }
  }
}
