import Foundation
import Testing
@testable import TrigRT
import TrigRTTools

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

  /// A cleaned-graph model from ProtoBuilder, loaded in fixed mode with `yaml`.
  func load(bytes: [UInt8], config yaml: String) throws(TrigRTError) -> Model {
    let cfg = NSTemporaryDirectory() + "trigrt-fixedconv-\(getpid())-\(UUID().uuidString).yml"
    try! yaml.write(toFile: cfg, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: cfg) }
    let r: Result<Model, TrigRTError> = bytes.withUnsafeBytes { b in
      Result { () throws(TrigRTError) in try Model.load(bytes: b, options: LoadOptions(mode: .fixed, precisionConfig: cfg)) }
    }
    return try r.get()
  }

  /// One row through `run_f64`.
  func row(_ m: Model, _ x: [Double]) throws -> [Double] {
    try runAll(m, NPYArray(shape: [1] + m.inputs[0].shape, values: x), batch: 1).f64
  }

  /// A Transpose whose input holds another type than hls4ml declares for it (an in-place Reshape
  /// of the model input keeps input_t's array but declares the default type, which the
  /// Transpose takes as its result, as in jettag_cnn2d_float): `nnet::transpose` converts every
  /// value from input_t into that type.
  @Test func aTransposeConvertsFromItsInputsType() throws {
    let g = ONNX.graph(nodes: [ONNX.node("Reshape", ["global_in", "Reshape_0_param0"], ["Reshape_0_out0"], name: "Reshape_0"),
                               ONNX.node("Transpose", ["Reshape_0_out0"], ["global_out"], name: "Transpose_0",
                                         attributes: [ONNX.attribute("perm", .ints([0, 2, 1]))])],
                       inputs: [ONNX.value("global_in", sample: [2, 3])], outputs: [ONNX.value("global_out", sample: [2, 3])],
                       initializers: [ONNX.tensor("Reshape_0_param0", dims: [3], raw: [-1, 3, 2].flatMap { (v: Int64) in
                         withUnsafeBytes(of: v.littleEndian) { Array($0) } }, dataType: 7)])
    let yaml = Self.model + "LayerName:\n  global_in:\n    Precision: {result: 'ap_ufixed<8,4>'}\n"
    let m = try load(bytes: ONNX.model(g), config: yaml)
    let x: [Double] = [1.5, 2.25, 0.0625, 3, 7.5, 15.9375]   // exact in ap_ufixed<8,4>
    // reshape [2, 3] → [3, 2] (the same array), transpose → out[p][q] = r[q][p]
    let want: [Double] = [x[0], x[2], x[4], x[1], x[3], x[5]]
    #expect(try row(m, x) == want)
  }

  /// hls4ml's global pooling on qonnx's graph (the pool stays channels-first): output f of
  /// `global_pooling2d_cl` pools data[i·n_filt + f]; the mean is the accum_t sum divided by the
  /// pixel count, truncated toward zero; the trap is reported.
  @Test(arguments: ["GlobalAveragePool", "GlobalMaxPool"])
  func globalPoolingIndexesChannelsLast(_ op: String) throws {
    let g = ONNX.graph(nodes: [ONNX.node(op, ["global_in"], ["global_out"], name: "\(op)_0")],
                       inputs: [ONNX.value("global_in", sample: [2, 2, 2])], outputs: [ONNX.value("global_out", sample: [2, 1, 1])])
    let m = try load(bytes: ONNX.model(g), config: Self.model)
    let lsb = 1.0 / 1024   // ap_fixed<16,6>
    let raws: [Double] = [-3, 10, -2, 20, -4, 30, 0, 40]   // [c][h][w] as ONNX lays it out
    let got = try row(m, raws.map { $0 * lsb })
    // f = 0 pools elements 0, 2, 4, 6, f = 1 elements 1, 3, 5, 7 (ONNX: channel c = elements 4c..4c+3)
    let want: [Double] = op == "GlobalAveragePool" ? [-2 * lsb, 25 * lsb] : [0, 40 * lsb]   // −9/4 truncates to −2
    #expect(got == want)
    let layer = try #require(m.layers.first { $0.name == "\(op)_0" })
    #expect(layer.notes.contains { $0.hasPrefix("trap:") && $0.contains("channels-first") })
  }

  /// The 1-D form (GlobalPooling1D, `global_pooling1d_cl`): the same channels-last indexing.
  @Test func globalPooling1DIndexesChannelsLast() throws {
    let g = ONNX.graph(nodes: [ONNX.node("GlobalAveragePool", ["global_in"], ["global_out"], name: "GlobalAveragePool_0")],
                       inputs: [ONNX.value("global_in", sample: [2, 3])], outputs: [ONNX.value("global_out", sample: [2, 1])])
    let m = try load(bytes: ONNX.model(g), config: Self.model)
    #expect(m.layers.map(\.opTypes) == [["GlobalPooling1D"]])
    // [c][w] = [[1, 2, 4], [8, 16, 32]] (LSBs): f = 0 pools 1, 4, 16 → 21/3 = 7; f = 1 pools 2, 8, 32 → 14
    #expect(try row(m, [1, 2, 4, 8, 16, 32].map { $0 / 1024 }) == [7 / 1024.0, 14 / 1024.0])
  }

  /// An average whose exact sum (accum_t + data_T at the finer resolution) needs more than 62
  /// bits is refused at load time (HLSGraph), not left to the kernel.
  @Test func aTooWideAverageIsRefused() {
    let g = ONNX.graph(nodes: [ONNX.node("GlobalAveragePool", ["global_in"], ["global_out"], name: "GlobalAveragePool_0")],
                       inputs: [ONNX.value("global_in", sample: [1, 2, 2])], outputs: [ONNX.value("global_out", sample: [1, 1, 1])])
    let yaml = Self.model + "LayerName:\n  global_in:\n    Precision: {result: 'ap_fixed<16,14>'}\n"
      + "  GlobalAveragePool_0:\n    Precision: {accum: 'ap_fixed<62,10>'}\n"
    #expect {
      _ = try load(bytes: ONNX.model(g), config: yaml)
    } throws: { e in (e as? TrigRTError)?.code == .unsupported && (e as? TrigRTError)?.message.contains("wider than 62 bits") == true }
  }

  /// One channel (or one pixel): hls4ml's indexing is ONNX's, no trap.
  @Test func globalPoolingOfOneChannelIsNoTrap() throws {
    let g = ONNX.graph(nodes: [ONNX.node("GlobalAveragePool", ["global_in"], ["global_out"], name: "GlobalAveragePool_0")],
                       inputs: [ONNX.value("global_in", sample: [1, 2, 2])], outputs: [ONNX.value("global_out", sample: [1, 1, 1])])
    let m = try load(bytes: ONNX.model(g), config: Self.model)
    #expect(try row(m, [5, 6, 7, 9].map { $0 / 1024 }) == [6 / 1024.0])   // 27/4 truncates to 6
    // accum_t ap_fixed<16,6> wraps: 60000 → −5536, +30000, 54464 → −11072; −11072 / 4 = −2768
    #expect(try row(m, [30000, 30000, 30000, 30000].map { $0 / 1024 }) == [-2768 / 1024.0])
    #expect(!(m.layers.first { $0.name == "GlobalAveragePool_0" }?.notes ?? []).contains { $0.hasPrefix("trap:") })
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
