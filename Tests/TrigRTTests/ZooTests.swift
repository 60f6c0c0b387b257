import Foundation
import Testing
@testable import TrigRT
import TrigRTTools

/// The project's zoo (Models/, ONNX Runtime goldens) and the published models in
/// ../shared/models (dense and CNN, float and QONNX): trigrt within 1e-5.
@Suite struct ZooTests {
  @Test func qonnxZooModelMatchesQONNXInFloatMode() throws {
    let model = try Model.load(path: Paths.models("jet_tagger_qonnx.onnx"))
    let x = try NPYArray.read(Paths.models("jet_tagger_qonnx.inputs.npy"))
    let y = try NPYArray.read(Paths.models("jet_tagger_qonnx.outputs.npy"))
    for batch in [1, 16] {
      let (f32, _) = try runAll(model, x, batch: batch)
      #expect(maxDiff(f32, y.values) <= 1e-6)
    }
  }

  static let zoo = ["deepcsv", "jet_tagger", "tracknn", "jet_image_cnn", "conv1d_tracks", "econ_encoder", "calo_pool_cnn",
                     "calo_avgpool_cnn"]

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

  /// The CNNs as hls4ml receives them (qonnx's channels-last graph, firmware-sim/models: Conv and
  /// MaxPool in the `qonnx.custom_op.channels_last` domain, Transposes, permuted Dense rows) in
  /// float mode: the same outputs as ONNX Runtime on the original channels-first export.
  @Test(arguments: ["jet_image_cnn", "conv1d_tracks", "econ_encoder", "calo_pool_cnn", "calo_avgpool_cnn"])
  func channelsLastCleanedCNNsMatchONNXRuntime(_ name: String) throws {
    let model = try Model.load(path: Paths.root + "/firmware-sim/models/\(name).cleaned.onnx")
    let x = try NPYArray.read(Paths.models("\(name).inputs.npy"))
    let y = try NPYArray.read(Paths.models("\(name).outputs.npy"))
    for batch in [1, 16] {
      let (f32, _) = try runAll(model, x, batch: batch, f64: false)
      let d = maxDiff(f32, y.values)
      #expect(d <= 1e-5, "\(name) batch \(batch): max |diff| \(d)")
    }
  }

  /// The real jet-image CNN as hls4ml receives it (qonnx's cleaned graph: channels-last
  /// BatchNormalization, tf2onnx's Reshape / Transpose chain) in float mode: ONNX Runtime's
  /// outputs on the original export. The cleaned graph is not committed (firmware-sim makes it
  /// from ../shared/models).
  @Test func sharedCleanedCNNMatchesONNXRuntime() throws {
    let cleaned = Paths.root + "/firmware-sim/models/jettag_cnn2d_float.cleaned.onnx"
    guard let dir = Paths.shared, FileManager.default.fileExists(atPath: cleaned) else {
      print("skipped: \(cleaned) or ../shared/models is absent (compare_trigrt.py makes the cleaned graph)")
      return
    }
    let model = try Model.load(path: cleaned)
    let x = try NPYArray.read("\(dir)/jettag_cnn2d_float.inputs.npy")
    let y = try NPYArray.read("\(dir)/jettag_cnn2d_float.outputs.npy")
    for batch in [1, 16] {
      let (f32, _) = try runAll(model, x, batch: batch, f64: false)
      let d = maxDiff(f32, y.values)
      #expect(d <= 1e-5, "jettag_cnn2d_float (cleaned) batch \(batch): max |diff| \(d)")
    }
  }

  /// Rows of the two large CNNs (0.4 and 6.4 M multiply-accumulates per row) that a debug build
  /// checks: unoptimised Swift runs the SIMD kernels about 100× slower, so every row would add
  /// minutes. Release builds (`swift test -c release`) check every row of every model.
  static let debugRows = ["mnist_cnn_qkeras": 150, "cifar10_tiny2_qkeras": 12]

  /// Debug builds check fewer rows of the fixed-mode CNNs (0.1–0.2 M MACs per row in
  /// unoptimised Swift); release builds check 2,000.
  static let debugFixedRows = ["jet_image_cnn": 100, "conv1d_tracks": 300]

  static let fixedSets: [String] = {
    let dir = Paths.root + "/firmware-sim/configs"
    let models = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    return models.sorted().flatMap { m in
      ((try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/\(m)")) ?? []).filter { $0.hasSuffix(".yml") }.sorted()
        .map { "\(m)/\($0.dropLast(4))" }
    }
  }()

  /// Fixed mode: `run` (float inputs, quantized eight at a time) gives exactly what `run_f64`
  /// (the scalar quantizer, bit-exact with hls4ml in the firmware-sim comparison) gives for the
  /// same float32 inputs, rounded to float, on every golden set of firmware-sim; and a reporting
  /// session (the general kernels) gives what the plain one does.
  @Test(arguments: fixedSets)
  func fixedFloatRunEqualsF64Run(_ set: String) throws {
    let parts = set.split(separator: "/").map(String.init)
    let root = Paths.root + "/firmware-sim"
    let cleaned = "\(root)/models/\(parts[0]).cleaned.onnx"
    // A real model of ../shared/models: its cleaned graph is not committed (firmware-sim's
    // csim_goldens.shared_cleaned makes it from the shared file); its shipped rows serve here.
    let sharedRows = Paths.shared.map { "\($0)/\(parts[0]).inputs.npy" }
    guard FileManager.default.fileExists(atPath: cleaned) else {
      print("skipped: \(set): \(cleaned) is absent (a shared real model; compare_trigrt.py or csim_goldens.py makes it from ../shared/models)")
      return
    }
    let model = try Model.load(path: cleaned, options: LoadOptions(mode: .fixed, precisionConfig: "\(root)/configs/\(set).yml"))
    // The CNNs' 10,000 golden rows are not committed (regenerated from their seed by
    // firmware-sim's Python); their zoo rows (Models/, 1,000 float32 images) serve here.
    let golden = "\(root)/goldens/\(set).inputs.npy"
    let zooRows = Paths.models("\(parts[0]).inputs.npy")
    let fm = FileManager.default
    let x = try NPYArray.read(fm.fileExists(atPath: golden) ? golden : fm.fileExists(atPath: zooRows) ? zooRows : sharedRows ?? zooRows)
    var rows = min(x.shape[0], 2000)
    #if DEBUG
    if let n = Self.debugFixedRows[parts[0]] { rows = min(rows, n) }
    #endif
    let sub = NPYArray(shape: [rows] + x.shape.dropFirst(), values: Array(x.values[0..<(rows * model.inputs[0].count)]), descr: x.descr)
    var fast: [Float] = []
    for batch in [1, 64] {
      let (f32, f64) = try runAll(model, sub, batch: batch)
      let bad = zip(f32, f64).filter { $0.0 != Float($0.1) }.count
      #expect(bad == 0, "\(set) batch \(batch): \(bad) of \(f32.count) outputs differ")
      fast = f32
    }
    #expect(x.shape[0] >= rows)
    // The plan's fast forms (folded epilogues, Int16 chains, FastStep dispatch) against the
    // general kernels, which a reporting session runs (every conversion observed).
    let observedRows = min(rows, 64)
    let head = NPYArray(shape: [observedRows] + x.shape.dropFirst(), values: Array(x.values[0..<(observedRows * model.inputs[0].count)]), descr: x.descr)
    let (observed, _) = try runAll(model, head, batch: 64, f64: false, reporting: true)
    let differ = zip(observed, fast.prefix(observed.count)).filter { $0.0 != $0.1 }.count
    #expect(differ == 0, "\(set): \(differ) of \(observed.count) outputs of the reporting run differ from the plain run")
  }

  /// Float ONNX models (ONNX Runtime goldens) and QONNX models in float mode (qonnx
  /// `execute_onnx` goldens: Quant nodes run as fake quantisation, as qonnx runs them).
  @Test(arguments: ["jettag_mlp_float", "jettag_mlp_bn_float", "jettag_mlp_qkeras.qonnx", "jettag_mlp_qonnx_zoo.qonnx",
                    "toycar_ad03_qkeras.qonnx", "unsw_nb15_mlp_w2a2.qonnx",
                    "jettag_cnn2d_float", "conv1d_small_float", "mnist_cnn_qkeras.qonnx", "cifar10_tiny2_qkeras.qonnx"])
  func publishedModelsMatchTheirReference(_ file: String) throws {
    guard let dir = Paths.shared else {
      print("skipped: ../shared/models is absent (published models are not part of the repository)")
      return
    }
    let name = file.replacingOccurrences(of: ".qonnx", with: "")
    let model = try Model.load(path: "\(dir)/\(file).onnx")
    var x = try NPYArray.read("\(dir)/\(name).inputs.npy")
    var y = try NPYArray.read("\(dir)/\(name).outputs.npy")
    #if DEBUG
    if let n = Self.debugRows[name], n < x.shape[0] {
      print("debug build: \(name) is checked on its first \(n) of \(x.shape[0]) rows (swift test -c release checks every row)")
      x = NPYArray(shape: [n] + x.shape.dropFirst(), values: Array(x.values.prefix(n * x.count / x.shape[0])))
      y = NPYArray(shape: [n] + y.shape.dropFirst(), values: Array(y.values.prefix(n * y.count / y.shape[0])))
    }
    #endif
    for batch in [1, 7] {
      let (f32, _) = try runAll(model, x, batch: batch, f64: false)
      let d = maxDiff(f32, y.values)
      #expect(d <= 1e-5, "\(name) batch \(batch): max |diff| \(d)")
    }
  }
}
