import Foundation
import Testing
@testable import TrigRT

/// Fixed mode on qonnx's channels-last CNN graphs: what is refused, and why (the bit-exact
/// comparison with hls4ml's C simulation is firmware-sim's compare_trigrt.py; the run / run_f64
/// and batch checks are ZooTests.fixedFloatRunEqualsF64Run).
@Suite struct FixedConvTests {
  static let cleaned = Paths.root + "/firmware-sim/models/jet_image_cnn.cleaned.onnx"

  func load(_ path: String, config yaml: String) throws(TrigRTError) -> Model {
    let cfg = NSTemporaryDirectory() + "trigrt-fixedconv-\(getpid())-\(UUID().uuidString).yml"
    try! yaml.write(toFile: cfg, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: cfg) }
    return try Model.load(path: path, options: LoadOptions(mode: .fixed, precisionConfig: cfg))
  }

  static let model = "Model:\n  Precision:\n    default: ap_fixed<16,6>\n  ReuseFactor: 1\n  Strategy: Latency\n"

  @Test func loadsTheChannelsLastGraph() throws {
    let m = try load(Self.cleaned, config: Self.model)
    let names = m.layers.map(\.name)
    #expect(names.contains("Conv2D_Conv_0") && names.contains("MaxPool_1") && names.contains("Conv2D_Conv_1/im2col"))
  }

  @Test(arguments: ["accum", "result", "weight"])
  func autoOnAConvolutionIsRefused(_ key: String) {
    let yaml = Self.model + "LayerName:\n  Conv_1:\n    Precision: {\(key): auto}\n"
    #expect {
      _ = try load(Self.cleaned, config: yaml)
    } throws: { e in
      guard let e = e as? TrigRTError else { return false }
      return e.code == .unsupported && e.message.contains("'auto'") && e.message.contains("Conv_1")
    }
  }

  @Test func autoOnAPoolIsRefused() {
    let yaml = Self.model + "LayerName:\n  MaxPool_0:\n    Precision: {result: auto}\n"
    #expect {
      _ = try load(Self.cleaned, config: yaml)
    } throws: { e in (e as? TrigRTError)?.code == .unsupported && (e as? TrigRTError)?.message.contains("'auto'") == true }
  }

  /// The channels-first export: trigrt does not reproduce qonnx's channels-last conversion.
  @Test func theRawExportIsRefused() {
    #expect {
      _ = try load(Paths.models("jet_image_cnn.onnx"), config: Self.model)
    } throws: { e in
      (e as? TrigRTError)?.code == .unsupported && (e as? TrigRTError)?.message.contains("ConvertToChannelsLastAndClean") == true
    }
  }
}
