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

  /// The resolved formats of layer `name`.
  func formats(_ m: Model, _ name: String) -> [String: String] {
    m.layers.first { $0.name == name }?.formats ?? [:]
  }

  /// hls4ml's `_infer_conv_precision`: the Dense rule with n_ops = n_chan · filt_height ·
  /// filt_width. Conv_0 (3×3 × 1 channel, 9 products): ap_fixed<12,2> × ap_fixed<8,1> → 24 bits,
  /// 7 integer, then the signed bias ap_fixed<8,0>: one more integer bit → ap_fixed<25,8>.
  /// Conv_1 (3×3 × 8 channels, 72 products, ⌈log2 72⌉ = 7) with an auto weight (the default
  /// ap_fixed<16,6>) on the unsigned ap_ufixed<8,2> max-pool output: 31 bits, 15 integer → +1
  /// for the bias → ap_fixed<32,16>. The max pool accumulates in, and returns, its input's type
  /// (modes included). (Types as hls4ml 1.3.0 writes them for this config.)
  static let autoConfig = model + """
    LayerName:
      global_in:
        Precision: {result: 'ap_fixed<12,2,AP_RND_CONV,AP_SAT>'}
      Conv_0:
        Precision: {weight: 'ap_fixed<8,1>', bias: 'ap_fixed<8,0>', accum: auto, result: auto}
      Relu_0:
        Precision: {result: 'ap_ufixed<8,2,AP_RND_CONV,AP_SAT>'}
      MaxPool_0:
        Precision: {accum: auto, result: auto}
      Conv_1:
        Precision: {weight: auto, bias: 'ap_fixed<8,0>', accum: auto, result: 'ap_fixed<12,4>'}

    """

  @Test func autoOnConvolutionsAndMaxPoolsIsInferred() throws {
    let m = try load(Self.cleaned, config: Self.autoConfig)
    let c0 = formats(m, "Conv2D_Conv_0"), p0 = formats(m, "MaxPool_0"), c1 = formats(m, "Conv2D_Conv_1")
    #expect(c0["accum"] == "ap_fixed<25,8>" && c0["result"] == "ap_fixed<25,8>", "\(c0)")
    #expect(p0["accum"] == "ap_ufixed<8,2,AP_RND_CONV,AP_SAT>" && p0["result"] == "ap_ufixed<8,2,AP_RND_CONV,AP_SAT>", "\(p0)")
    #expect(c1["weight"] == "ap_fixed<16,6>" && c1["accum"] == "ap_fixed<32,16>" && c1["result"] == "ap_fixed<12,4>", "\(c1)")
  }

  /// `Model.Precision.maximum` caps the inferred width and integer bits separately.
  @Test func theMaximumPrecisionCapsAConvolutionsAutoTypes() throws {
    let yaml = Self.autoConfig.replacingOccurrences(of: "default: ap_fixed<16,6>\n", with: "default: ap_fixed<16,6>\n    maximum: ap_fixed<20,7>\n")
    let m = try load(Self.cleaned, config: yaml)
    #expect(formats(m, "Conv2D_Conv_0")["accum"] == "ap_fixed<20,7>")
    #expect(formats(m, "Conv2D_Conv_1")["accum"] == "ap_fixed<20,7>")
  }

  /// Average pooling: accum_t = the input's width + 2e, integer + e, e = ⌈log2 9⌉ = 4 for the
  /// 3×3 window of calo_avgpool_cnn, unsigned as its input, AP_TRN / AP_WRAP; the result is the
  /// input's type. Global pooling has no rule in hls4ml: both types are the default.
  @Test func autoOnAveragePoolsAndGlobalPoolsIsInferred() throws {
    let head = Self.model + "LayerName:\n  Relu_0:\n    Precision: {result: 'ap_ufixed<12,2,AP_RND_CONV,AP_SAT>'}\n"
    let avg = try load(Paths.root + "/firmware-sim/models/calo_avgpool_cnn.cleaned.onnx",
                       config: head + "  AveragePool_0:\n    Precision: {accum: auto, result: auto}\n")
    let a = formats(avg, "AveragePool_0")
    #expect(a["accum"] == "ap_ufixed<20,6>" && a["result"] == "ap_ufixed<12,2,AP_RND_CONV,AP_SAT>", "\(a)")
    let glob = try load(Paths.root + "/firmware-sim/models/calo_pool_cnn.cleaned.onnx",
                        config: head + "  GlobalAveragePool_0:\n    Precision: {accum: auto, result: auto}\n"
                          + "  GlobalMaxPool_0:\n    Precision: {accum: auto, result: auto}\n")
    for n in ["GlobalAveragePool_0", "GlobalMaxPool_0"] {
      let g = formats(glob, n)
      #expect(g["accum"] == "ap_fixed<16,6>" && g["result"] == "ap_fixed<16,6>", "\(n): \(g)")
    }
  }

  /// merge_linear_activation: a Conv2D is one of hls4ml's `_safe_parents`, so with an `auto`
  /// result the linear activation of a QONNX Quant after it is deleted and the convolution
  /// outputs the Quant's type directly (hls4ml 1.3.0 does this on such a graph: Conv2D_Conv_0
  /// result fixed<6,3,RND_CONV,SAT> and no Quant_0 layer; its csim and trigrt agree on 200 rows).
  @Test func aQuantAfterAnAutoConvolutionMergesIntoIt() throws {
    func scalar(_ n: String, _ v: Float) -> PB { ONNX.tensor(n, dims: [], floats: [v]) }
    let conv = [ONNX.attribute("kernel_shape", .ints([1, 1])), ONNX.attribute("strides", .ints([1, 1])),
                ONNX.attribute("pads", .ints([0, 0, 0, 0])), ONNX.attribute("dilations", .ints([1, 1])), ONNX.attribute("group", .int(1))]
    let quant = [ONNX.attribute("signed", .int(1)), ONNX.attribute("narrow", .int(0)), ONNX.attribute("rounding_mode", .string("ROUND"))]
    let g = ONNX.graph(nodes: [ONNX.node("Conv", ["global_in", "Conv_0_param0", "Conv_0_param1"], ["Conv_0_out0"], name: "Conv_0",
                                         domain: HLSModel.channelsLastDomain, attributes: conv),
                               ONNX.node("Quant", ["Conv_0_out0", "Quant_0_param0", "Quant_0_param1", "Quant_0_param2"], ["global_out"],
                                         name: "Quant_0", domain: "qonnx.custom_op.general", attributes: quant)],
                       inputs: [ONNX.value("global_in", sample: [2, 2, 1])], outputs: [ONNX.value("global_out", sample: [2, 2, 1])],
                       initializers: [ONNX.tensor("Conv_0_param0", dims: [1, 1, 1, 1], floats: [0.5]), ONNX.tensor("Conv_0_param1", dims: [1], floats: [0]),
                                      scalar("Quant_0_param0", 0.25), scalar("Quant_0_param1", 0), scalar("Quant_0_param2", 4)])
    let bytes = ONNX.model(g, extraOpsets: [(HLSModel.channelsLastDomain, 1), ("qonnx.custom_op.general", 1)])
    let yaml = Self.model + "LayerName:\n  Conv_0:\n    Precision: {accum: 'ap_fixed<16,6>', result: auto}\n"
    let m = try load(bytes: bytes, config: yaml)
    #expect(m.layers.map(\.name) == ["Conv2D_Conv_0"])
    #expect(formats(m, "Conv2D_Conv_0")["result"] == "ap_fixed<4,2,AP_RND_CONV,AP_SAT>")
    // 0.5·x in ap_fixed<4,2,AP_RND_CONV,AP_SAT>: 0.375 rounds to the even 0.5, 2.0 saturates
    #expect(try row(m, [1, -1.5, 0.75, 4]) == [0.5, -0.75, 0.5, 1.75])
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

  /// A channels-last AveragePool [H, W, C] (the node hls4ml's parse_pool_layer turns into
  /// Pooling2D, pool_op Average) with `pads`, `ceil_mode`, `count_include_pad` as given.
  func averagePool(input: [Int64], kernel: [Int64], strides: [Int64], pads: [Int64], output: [Int64],
                   extra: [(String, ONNX.Attr)] = []) -> [UInt8] {
    let attrs = [ONNX.attribute("kernel_shape", .ints(kernel)), ONNX.attribute("strides", .ints(strides)),
                 ONNX.attribute("pads", .ints(pads))] + extra.map { ONNX.attribute($0.0, $0.1) }
    let g = ONNX.graph(nodes: [ONNX.node("AveragePool", ["global_in"], ["global_out"], name: "AveragePool_0",
                                         domain: HLSModel.channelsLastDomain, attributes: attrs)],
                       inputs: [ONNX.value("global_in", sample: input)], outputs: [ONNX.value("global_out", sample: output)])
    return ONNX.model(g, extraOpsets: [(HLSModel.channelsLastDomain, 1)])
  }

  /// `pooling2d_cl`, Average, count_pad false: each window's accum_t sum (padding cells add 0)
  /// divided by its real cells, truncated toward zero at accum_t's LSB; outputs in (oh, ow, f)
  /// order. A wrapping accum_t that keeps data_T's bits (the summed-once path) and a saturating
  /// one (per-add conversions) must give the same here (no overflow).
  @Test(arguments: ["ap_fixed<16,6>", "ap_fixed<18,8,AP_RND,AP_SAT>"])
  func paddedAveragePoolDividesByTheRealCells(_ accum: String) throws {
    // 3×3×2 input, 2×2 windows, stride 2, pads 1 on every side → 2×2×2; real cells 1, 2, 2, 4.
    let bytes = averagePool(input: [3, 3, 2], kernel: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], output: [2, 2, 2],
                            extra: [("count_include_pad", .int(0))])
    let m = try load(bytes: bytes, config: Self.model + "LayerName:\n  AveragePool_0:\n    Precision: {accum: '\(accum)'}\n")
    #expect(m.layers.map(\.opTypes) == [["Pooling2D"]])
    let c0: [Double] = [5, -3, -4, 7, 1, 2, -6, 3, 4]        // channel 0, [h][w]
    let c1: [Double] = [-9, 8, 8, 1, 0, 0, 0, 0, 1]          // channel 1
    let x = (0..<9).flatMap { [c0[$0], c1[$0]] }.map { $0 / 1024 }   // channels-last, LSBs of ap_fixed<16,6>
    // windows: (0,0) = {x00}, (0,1) = {x01, x02}, (1,0) = {x10, x20}, (1,1) = {x11, x12, x21, x22}
    // c0: 5/1, −7/2 → −3 (toward zero), 1/2 → 0, 10/4 → 2;  c1: −9, 16/2 = 8, 1/2 → 0, 1/4 → 0
    let want: [Double] = [5, -9, -3, 8, 0, 0, 2, 0].map { $0 / 1024 }
    #expect(try row(m, x) == want)
  }

  /// What hls4ml's ONNX frontend cannot express (or no golden shows) is refused at load time
  /// (a window of padding only by the float lowering, before fixed mode reads the node).
  @Test(arguments: [("ceil_mode", "ceil_mode 1"), ("count_include_pad", "count_include_pad 1"), ("1-D", "1-D average pooling"),
                    ("only-padding", "not smaller than the kernel")])
  func unsupportedAveragePoolsAreRefused(_ c: (String, String)) {
    let bytes: [UInt8]
    switch c.0 {
    case "ceil_mode":
      bytes = averagePool(input: [4, 4, 1], kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], output: [2, 2, 1],
                          extra: [("ceil_mode", .int(1))])
    case "count_include_pad":
      bytes = averagePool(input: [4, 4, 1], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], output: [2, 2, 1],
                          extra: [("count_include_pad", .int(1))])
    case "1-D":
      bytes = averagePool(input: [4, 2], kernel: [2], strides: [2], pads: [0, 0], output: [2, 2])
    default:
      bytes = averagePool(input: [2, 2, 1], kernel: [2, 2], strides: [2, 2], pads: [0, 0, 2, 2], output: [2, 2, 1])
    }
    #expect {
      _ = try load(bytes: bytes, config: Self.model)
    } throws: { e in (e as? TrigRTError)?.code == .unsupported && (e as? TrigRTError)?.message.contains(c.1) == true }
  }

  /// A channels-last 1-D MaxPool ([1, 3, 8] → Transpose → [8, 3], kernel 2, stride 2): hls4ml
  /// 1.3.0 cannot convert it (parse_pool_layer's 1-D branch never sets pad_left / pad_right;
  /// ModelGraph raises), so fixed mode has no firmware to match and refuses it at load time,
  /// naming the layer and quoting hls4ml's failure.
  @Test func oneDimensionalMaxPoolIsRefused() {
    let attrs = [ONNX.attribute("kernel_shape", .ints([2])), ONNX.attribute("strides", .ints([2])),
                 ONNX.attribute("pads", .ints([0, 0]))]
    let g = ONNX.graph(nodes: [ONNX.node("MaxPool", ["global_in"], ["global_out"], name: "MaxPool_0",
                                         domain: HLSModel.channelsLastDomain, attributes: attrs)],
                       inputs: [ONNX.value("global_in", sample: [8, 3])], outputs: [ONNX.value("global_out", sample: [4, 3])])
    let bytes = ONNX.model(g, extraOpsets: [(HLSModel.channelsLastDomain, 1)])
    #expect {
      _ = try load(bytes: bytes, config: Self.model)
    } throws: { e in
      guard let t = e as? TrigRTError, t.code == .unsupported else { return false }
      return t.message.contains("MaxPool_0 (MaxPool): 1-D max pooling is not supported")
        && t.message.contains("Attribute \"pad_left\" of layer MaxPool_0 (Pooling1D) not set and no default value is specified.")
    }
  }

  /// count_include_pad 1 without padding changes nothing: accepted.
  @Test func countIncludePadWithoutPaddingIsAccepted() throws {
    let bytes = averagePool(input: [2, 2, 1], kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], output: [1, 1, 1],
                            extra: [("count_include_pad", .int(1))])
    let m = try load(bytes: bytes, config: Self.model)
    #expect(try row(m, [-1, -2, -3, 1].map { $0 / 1024 }) == [-1 / 1024.0])   // −5/4 → −1
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
