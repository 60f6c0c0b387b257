import Testing
@testable import TrigRT

/// Hostile files: each size, name or structure a file can get wrong gives its status and a
/// message that names the problem, before anything large is allocated.
@Suite struct LimitsTests {
  func load(_ bytes: [UInt8], _ options: LoadOptions = LoadOptions()) -> Result<Model, TrigRTError> {
    bytes.withUnsafeBytes { b in Result { () throws(TrigRTError) in try Model.load(bytes: b, options: options) } }
  }

  func expectFailure(_ bytes: [UInt8], _ code: Status, _ needle: String, _ options: LoadOptions = LoadOptions(),
                     sourceLocation: SourceLocation = #_sourceLocation) {
    switch load(bytes, options) {
    case .success: Issue.record("loaded; expected \(code) '\(needle)'", sourceLocation: sourceLocation)
    case .failure(let e):
      #expect(e.code == code, "\(e.code): \(e.message)", sourceLocation: sourceLocation)
      #expect(e.message.contains(needle), "'\(e.message)' lacks '\(needle)'", sourceLocation: sourceLocation)
    }
  }

  /// x [N, 4] · W [4, k] → y, with W given by `w`.
  func matmul(_ w: PB, k: Int64 = 3, opset: Int64 = 13) -> [UInt8] {
    ONNX.model(ONNX.graph(nodes: [ONNX.node("MatMul", ["x", "W"], ["y"], name: "mm")],
                          inputs: [ONNX.value("x", sample: [4])], outputs: [ONNX.value("y", sample: [k])], initializers: [w]), opset: opset)
  }

  @Test func theBuilderMakesValidModels() throws {
    guard case .success(let m) = load(ONNX.relu()) else { Issue.record("relu did not load"); return }
    #expect(m.inputs[0].shape == [4])
    let w = ONNX.tensor("W", dims: [4, 3], floats: (0..<12).map { Float($0) })
    guard case .success = load(matmul(w)) else { Issue.record("matmul did not load"); return }
  }

  // MARK: Declared sizes against the data in the file

  @Test func declaredSizesLargerThanTheData() {
    expectFailure(matmul(ONNX.tensor("W", dims: [4, 3], floats: [1, 2, 3])), .malformed, "float_data holds 3 values, but dims [4, 3] need 12")
    expectFailure(matmul(ONNX.tensor("W", dims: [4, 3], raw: [UInt8](repeating: 0, count: 8))), .malformed, "raw_data holds 8 bytes, but [4, 3] float needs 48")
    // 16 M elements declared, 12 present: refused before anything is allocated for them
    expectFailure(matmul(ONNX.tensor("W", dims: [1 << 12, 1 << 12], floats: [Float](repeating: 0, count: 12))), .malformed, "float_data holds 12 values")
    // more than the weight cap declared: the cap is checked first
    expectFailure(matmul(ONNX.tensor("W", dims: [1 << 30, 2], raw: [1, 2, 3])), .limit, "max_weight_bytes")
    // a length prefix beyond the end of the file
    var bytes = ONNX.relu()
    bytes.removeLast(3)
    expectFailure(bytes, .malformed, "not a valid ONNX model")
    expectFailure(PB.varint(7 << 3 | 2) + PB.varint(1 << 40), .malformed, "beyond its message")
  }

  // MARK: Dimensions

  @Test func dimensionProductsThatOverflow() {
    expectFailure(matmul(ONNX.tensor("W", dims: [1 << 31, 1 << 31, 4], floats: [1])), .limit, "more than 2^31 elements")
    expectFailure(matmul(ONNX.tensor("W", dims: [Int64.max, 2], floats: [1])), .malformed, "has dimension 9223372036854775807")
    let huge = ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"])], inputs: [ONNX.value("x", sample: [1 << 20, 1 << 20, 1 << 20])],
                                     outputs: [ONNX.value("y", sample: [4])]))
    expectFailure(huge, .limit, "more than 2^31")
    let big = ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"])], inputs: [ONNX.value("x", sample: [1 << 31])],
                                    outputs: [ONNX.value("y", sample: [1 << 31])]))
    expectFailure(big, .limit, "arena cap")   // 8 GiB of run_f64 staging per sample
  }

  @Test func negativeAndZeroDimensions() {
    expectFailure(matmul(ONNX.tensor("W", dims: [4, -3], floats: [])), .malformed, "has dimension -3")
    let neg = ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"])], inputs: [ONNX.value("x", [ONNX.dim(param: "N"), ONNX.dim(-4)])],
                                    outputs: [ONNX.value("y", sample: [4])]))
    expectFailure(neg, .malformed, "declares dimension -4")
    let zero = ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"])], inputs: [ONNX.value("x", sample: [0])],
                                     outputs: [ONNX.value("y", sample: [4])]))
    expectFailure(zero, .shape, "dimension 1 of size 0")
    let zeroBatch = ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"])], inputs: [ONNX.value("x", [ONNX.dim(0), ONNX.dim(4)])],
                                          outputs: [ONNX.value("y", sample: [4])]))
    expectFailure(zeroBatch, .shape, "batch dimension 0")
    let scalar = ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"])], inputs: [ONNX.value("x", [])],
                                       outputs: [ONNX.value("y", sample: [4])]))
    expectFailure(scalar, .shape, "is a scalar")
    // a zero-sized weight: refused by the op's shape check, never run
    switch load(matmul(ONNX.tensor("W", dims: [4, 0], floats: []), k: 0)) {
    case .success: Issue.record("a [4, 0] weight loaded")
    case .failure(let e): #expect(e.code == .shape || e.code == .unsupported || e.code == .malformed, "\(e.code): \(e.message)")
    }
  }

  // MARK: Caps

  @Test func weightCapIsAdjustable() throws {
    let w = ONNX.tensor("W", dims: [4, 256], floats: [Float](repeating: 0.5, count: 1024))
    let model = matmul(w, k: 256)
    guard case .success = load(model) else { Issue.record("default cap refused 4 KiB of weights"); return }
    expectFailure(model, .limit, "the weight cap is 1 KiB (1024 bytes) (trigrt_options.max_weight_bytes)", LoadOptions(limits: Limits(maxWeightBytes: 1024)))
    guard case .success = load(model, LoadOptions(limits: Limits(maxWeightBytes: 8192))) else { Issue.record("8 KiB cap refused 4 KiB"); return }
  }

  @Test func foldingCannotAmplifyPastTheCap() {
    // [4096, 1] + [1, 4096] folds to 16 M elements: refused before it is computed
    let a = ONNX.tensor("a", dims: [4096, 1], floats: [Float](repeating: 1, count: 4096))
    let b = ONNX.tensor("b", dims: [1, 4096], floats: [Float](repeating: 1, count: 4096))
    let add = ONNX.model(ONNX.graph(nodes: [ONNX.node("Add", ["a", "b"], ["c"], name: "bomb"), ONNX.node("Add", ["x", "c"], ["y"])],
                                    inputs: [ONNX.value("x", sample: [4096, 4096])], outputs: [ONNX.value("y", sample: [4096, 4096])],
                                    initializers: [a, b]))
    expectFailure(add, .limit, "node 'bomb' (Add)", LoadOptions(limits: Limits(maxWeightBytes: 1 << 20)))
    // one constant concatenated with itself 60,000 times
    let c = ONNX.tensor("c", dims: [64], floats: [Float](repeating: 1, count: 64))
    let concat = ONNX.model(ONNX.graph(nodes: [ONNX.node("Concat", [String](repeating: "c", count: 60000), ["d"], name: "cat",
                                                         attributes: [ONNX.attribute("axis", .int(0))]),
                                               ONNX.node("Add", ["x", "d"], ["y"])],
                                       inputs: [ONNX.value("x", sample: [3_840_000])], outputs: [ONNX.value("y", sample: [3_840_000])],
                                       initializers: [c]))
    expectFailure(concat, .limit, "node 'cat' (Concat)", LoadOptions(limits: Limits(maxWeightBytes: 1 << 20)))
    // a chain of folds, each small, together over the cap
    var nodes: [PB] = []
    for i in 0..<100 { nodes.append(ONNX.node("Mul", [i == 0 ? "c" : "m\(i - 1)", "c"], ["m\(i)"])) }
    nodes.append(ONNX.node("Add", ["x", "m99"], ["y"]))
    let chain = ONNX.model(ONNX.graph(nodes: nodes, inputs: [ONNX.value("x", sample: [64])], outputs: [ONNX.value("y", sample: [64])],
                                      initializers: [c]))
    expectFailure(chain, .limit, "max_weight_bytes", LoadOptions(limits: Limits(maxWeightBytes: 64 * 4 * 50)))
    let cap = LoadOptions()   // 64 Mi elements
    func int64s(_ name: String, _ v: [Int64]) -> PB {
      ONNX.tensor(name, dims: [Int64(v.count)], raw: v.flatMap { x in withUnsafeBytes(of: x.littleEndian) { Array($0) } }, dataType: 7)
    }
    // Each result below has 2^31 elements (16 GiB as Double): computed before the check, it
    // would take the test process's memory.
    // a [2, 1] constant padded to [2^20, 2^11]
    let pair = ONNX.tensor("c2", dims: [2, 1], floats: [1, 2])
    let pad = ONNX.model(ONNX.graph(nodes: [ONNX.node("Pad", ["c2", "pads"], ["p"], name: "grow"), ONNX.node("Add", ["x", "p"], ["y"])],
                                    inputs: [ONNX.value("x", sample: [1 << 20, 1 << 11])], outputs: [ONNX.value("y", sample: [1 << 20, 1 << 11])],
                                    initializers: [pair, int64s("pads", [0, 0, (1 << 20) - 2, (1 << 11) - 1])]))
    expectFailure(pad, .limit, "node 'grow' (Pad)", cap)
    // 64 Ki indices into a [2, 32 Ki] table
    let table = ONNX.tensor("t", dims: [2, 1 << 15], floats: [Float](repeating: 1, count: 1 << 16))
    let gather = ONNX.model(ONNX.graph(nodes: [ONNX.node("Gather", ["t", "i"], ["g"], name: "many"), ONNX.node("Add", ["x", "g"], ["y"])],
                                       inputs: [ONNX.value("x", sample: [1 << 16, 1 << 15])], outputs: [ONNX.value("y", sample: [1 << 16, 1 << 15])],
                                       initializers: [table, int64s("i", [Int64](repeating: 0, count: 1 << 16))]))
    expectFailure(gather, .limit, "node 'many' (Gather)", cap)
    // Max of [64 Ki, 1] and [1, 32 Ki]
    let tall = ONNX.tensor("a", dims: [1 << 16, 1], floats: [Float](repeating: 1, count: 1 << 16))
    let flat = ONNX.tensor("b", dims: [1, 1 << 15], floats: [Float](repeating: 1, count: 1 << 15))
    let max = ONNX.model(ONNX.graph(nodes: [ONNX.node("Max", ["a", "b"], ["c"], name: "outer"), ONNX.node("Add", ["x", "c"], ["y"])],
                                    inputs: [ONNX.value("x", sample: [1 << 16, 1 << 15])], outputs: [ONNX.value("y", sample: [1 << 16, 1 << 15])],
                                    initializers: [tall, flat]))
    expectFailure(max, .limit, "node 'outer' (Max)", cap)
  }

  /// Index tables the plan keeps (a Resize's or Gather's source per output element, a
  /// reduction's target per input element) count against the weight cap before they are built
  /// (a Resize to [1, 2^40, 2] allocated 4 GiB of coordinates and trapped).
  @Test func planTimeTablesCountAgainstTheCap() {
    func int64s(_ name: String, _ v: [Int64]) -> PB {
      ONNX.tensor(name, dims: [Int64(v.count)], raw: v.flatMap { x in withUnsafeBytes(of: x.littleEndian) { Array($0) } }, dataType: 7)
    }
    func resize(_ sizes: [Int64]) -> [UInt8] {
      ONNX.model(ONNX.graph(nodes: [ONNX.node("Resize", ["x", "", "", "sz"], ["y"], name: "up", attributes: [ONNX.attribute("mode", .string("nearest"))])],
                            inputs: [ONNX.value("x", sample: [1, 2, 2])], outputs: [ONNX.value("y", [])], initializers: [int64s("sz", sizes)]))
    }
    expectFailure(resize([1, 1, 1 << 40, 2]), .limit, "node 'up' (Resize): output [1, 1099511627776, 2] has more than 2^31 elements")
    let small = LoadOptions(limits: Limits(maxWeightBytes: 1 << 16))   // 16 Ki entries
    if case .failure(let e) = load(resize([1, 1, 64, 64])) { Issue.record("a 64 × 64 Resize did not load: \(e.message)") }
    expectFailure(resize([1, 1, 256, 256]), .limit, "node 'up' (Resize): the gather table (one source per output element of [1, 256, 256]) holds 65536 elements", small)
    let gather = ONNX.model(ONNX.graph(nodes: [ONNX.node("Gather", ["x", "i"], ["y"], name: "pick", attributes: [ONNX.attribute("axis", .int(1))])],
                                       inputs: [ONNX.value("x", sample: [4, 1024])], outputs: [ONNX.value("y", [])],
                                       initializers: [int64s("i", [Int64](repeating: 0, count: 32))]))
    expectFailure(gather, .limit, "node 'pick' (Gather): the gather table (one source per output element of [32, 1024]) holds 32768 elements", small)
    let reduce = ONNX.model(ONNX.graph(nodes: [ONNX.node("ReduceSum", ["x", "a"], ["y"], name: "sum")],
                                       inputs: [ONNX.value("x", sample: [64, 1024])], outputs: [ONNX.value("y", [])],
                                       initializers: [int64s("a", [1])]))
    expectFailure(reduce, .limit, "node 'sum' (ReduceSum): the reduction table", small)
  }

  /// hls4ml turns a Mul by a scalar into an ApplyAlpha with a scale and bias per element of its
  /// input: over the weight cap that is refused before it is built (a fuzzer's [N, 2^31] input
  /// took 16 GiB here).
  @Test func fixedModePerElementConstantsCountAgainstTheCap() {
    let s = ONNX.tensor("s", dims: [], floats: [1.5])
    let mul = ONNX.model(ONNX.graph(nodes: [ONNX.node("Mul", ["x", "s"], ["y"])], inputs: [ONNX.value("x", sample: [1 << 16])],
                                    outputs: [ONNX.value("y", sample: [1 << 16])], initializers: [s]))
    guard case .success = load(mul, LoadOptions(mode: .fixed)) else { Issue.record("a Mul by a scalar over 64 Ki elements did not load"); return }
    expectFailure(mul, .limit, "hls4ml's ApplyAlpha bn_Mul_0, a scale and bias per element of [65536], holds 65536 elements",
                  LoadOptions(mode: .fixed, limits: Limits(maxWeightBytes: 1 << 16)))
    let huge = ONNX.model(ONNX.graph(nodes: [ONNX.node("Mul", ["x", "s"], ["y"])], inputs: [ONNX.value("x", sample: [1 << 31])],
                                     outputs: [ONNX.value("y", [])], initializers: [s]))
    expectFailure(huge, .limit, "per element of [2147483648]", LoadOptions(mode: .fixed))
    // QONNX semantics (no config): a quantized constant added to a quantized input is an
    // ApplyAlpha with a bias per element too
    let quant = [ONNX.attribute("signed", .int(1)), ONNX.attribute("narrow", .int(0)), ONNX.attribute("rounding_mode", .string("ROUND"))]
    func q(_ x: String, _ y: String) -> PB {
      ONNX.node("Quant", [x, "qs", "qz", "qb"], [y], domain: "qonnx.custom_op.general", attributes: quant)
    }
    let qadd = ONNX.model(ONNX.graph(nodes: [q("x", "xq"), q("s", "sq"), ONNX.node("Add", ["xq", "sq"], ["y"], name: "shift")],
                                     inputs: [ONNX.value("x", sample: [1 << 31])], outputs: [ONNX.value("y", [])],
                                     initializers: [s, ONNX.tensor("qs", dims: [], floats: [0.25]), ONNX.tensor("qz", dims: [], floats: [0]),
                                                    ONNX.tensor("qb", dims: [], floats: [8])]),
                          extraOpsets: [("qonnx.custom_op.general", 1)])
    expectFailure(qadd, .limit, "the ApplyAlpha of shift, a scale and bias per element of [2147483648]", LoadOptions(mode: .fixed))
    // a convolution's im2col index table (62 × 62 pixels × 9 columns) against a 16 Ki-element cap
    let attrs = [ONNX.attribute("kernel_shape", .ints([3, 3])), ONNX.attribute("strides", .ints([1, 1])),
                 ONNX.attribute("pads", .ints([0, 0, 0, 0])), ONNX.attribute("dilations", .ints([1, 1])), ONNX.attribute("group", .int(1))]
    let conv = ONNX.model(ONNX.graph(nodes: [ONNX.node("Conv", ["global_in", "Conv_0_param0", "Conv_0_param1"], ["Conv_0_out0"], name: "Conv_0",
                                                        domain: HLSModel.channelsLastDomain, attributes: attrs),
                                              ONNX.node("Relu", ["Conv_0_out0"], ["global_out"], name: "Relu_0")],
                                     inputs: [ONNX.value("global_in", sample: [64, 64, 1])], outputs: [ONNX.value("global_out", sample: [62, 62, 1])],
                                     initializers: [ONNX.tensor("Conv_0_param0", dims: [1, 3, 3, 1], floats: [Float](repeating: 0.5, count: 9)),
                                                    ONNX.tensor("Conv_0_param1", dims: [1], floats: [0])]),
                          extraOpsets: [(HLSModel.channelsLastDomain, 1)])
    if case .failure(let e) = load(conv, LoadOptions(mode: .fixed)) { Issue.record("the 64 × 64 convolution did not load: \(e.message)"); return }
    expectFailure(conv, .limit, "the im2col index table of Conv2D_Conv_0, one per column entry [3844, 9], holds 34596 elements",
                  LoadOptions(mode: .fixed, limits: Limits(maxWeightBytes: 1 << 16)))
  }

  @Test func arenaCapAtLoadAndAtSessionCreation() throws {
    let wide = ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"])], inputs: [ONNX.value("x", sample: [1 << 18])],
                                     outputs: [ONNX.value("y", sample: [1 << 18])]))
    // run_f64 staging: 2 × 1 MiB per sample
    expectFailure(wide, .limit, "arena cap is 1 MiB", LoadOptions(limits: Limits(maxArenaBytes: 1 << 20)))
    guard case .success(let m) = load(wide, LoadOptions(limits: Limits(maxArenaBytes: 5 << 20))) else { Issue.record("5 MiB cap refused"); return }
    _ = try Session.make(model: m, maxBatch: 2)
    do {
      _ = try Session.make(model: m, maxBatch: 3)
      Issue.record("a 6 MiB arena passed a 5 MiB cap")
    } catch {
      #expect(error.code == .limit && error.message.contains("max_arena_bytes"), "\(error.message)")
    }
    // any max_batch the C ABI can pass is a status, never a trap or an attempt to allocate it
    let small = try Model.load(path: Paths.fixture("ops/relu.onnx"))
    for b in [Int(UInt32.max), 1 << 40, Int.max] {
      #expect(throws: TrigRTError.self) { try Session.make(model: small, maxBatch: b) }
    }
  }

  // MARK: Graph structure

  @Test func cyclesAndOrder() {
    let cycle = ONNX.model(ONNX.graph(nodes: [ONNX.node("Add", ["x", "b"], ["a"], name: "first"), ONNX.node("Relu", ["a"], ["b"], name: "second")],
                                      inputs: [ONNX.value("x", sample: [4])], outputs: [ONNX.value("b", sample: [4])]))
    expectFailure(cycle, .malformed, "input 'b' is produced by node 'second' (Relu), which is not earlier in the graph: the graph has a cycle")
    let selfLoop = ONNX.model(ONNX.graph(nodes: [ONNX.node("Add", ["x", "y"], ["y"], name: "loop")],
                                         inputs: [ONNX.value("x", sample: [4])], outputs: [ONNX.value("y", sample: [4])]))
    expectFailure(selfLoop, .malformed, "cycle")
    let unordered = ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["a"], ["y"], name: "late"), ONNX.node("Relu", ["x"], ["a"], name: "early")],
                                          inputs: [ONNX.value("x", sample: [4])], outputs: [ONNX.value("y", sample: [4])]))
    expectFailure(unordered, .malformed, "not in topological order")
  }

  @Test func danglingAndDuplicateNames() {
    let x = [ONNX.value("x", sample: [4])], y = [ONNX.value("y", sample: [4])]
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Add", ["x", "ghost"], ["y"])], inputs: x, outputs: y)),
                  .malformed, "input 'ghost' is not a graph input")
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["z"])], inputs: x, outputs: y)),
                  .malformed, "graph output 'y' is not produced by any node")
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"]), ONNX.node("Sigmoid", ["x"], ["y"], name: "twice")], inputs: x, outputs: y)),
                  .malformed, "output 'y' is already produced")
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["x"], name: "over")], inputs: x, outputs: [ONNX.value("x", sample: [4])])),
                  .malformed, "output 'x' is already produced by another node or is a graph input")
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"])], inputs: x + x, outputs: y)),
                  .malformed, "graph input 'x' is declared twice")
    let w = ONNX.tensor("W", dims: [4], floats: [1, 2, 3, 4])
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Add", ["x", "W"], ["y"])], inputs: x, outputs: y, initializers: [w, w])),
                  .malformed, "initializer 'W' is defined twice")
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Add", ["x", "W"], ["W"])], inputs: x, outputs: [ONNX.value("W", sample: [4])], initializers: [w])),
                  .malformed, "output 'W' is already produced")
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], [""])], inputs: x, outputs: y)),
                  .malformed, "output without a name")
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"])], inputs: [ONNX.value("", sample: [4])], outputs: y)),
                  .malformed, "has no name")
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"])], inputs: x, outputs: [])),
                  .malformed, "the graph has no outputs")
  }

  @Test func unknownDataTypes() {
    expectFailure(matmul(ONNX.tensor("W", dims: [4, 3], raw: [UInt8](repeating: 0, count: 48), dataType: 99)), .unsupported, "data type 99")
    expectFailure(matmul(ONNX.tensor("W", dims: [4, 3], raw: [UInt8](repeating: 0, count: 48), dataType: 8)), .unsupported, "data type string")
    expectFailure(matmul(ONNX.tensor("W", dims: [4, 3], raw: [UInt8](repeating: 0, count: 48), dataType: 16)), .unsupported, "bfloat16")
    expectFailure(matmul(ONNX.tensor("W", dims: [4, 3], raw: [UInt8](repeating: 0, count: 48), dataType: -5)), .unsupported, "data type -5")
    expectFailure(matmul(ONNX.tensor("W", dims: [4, 3], raw: [UInt8](repeating: 0, count: 48), dataType: 0)), .unsupported, "undefined")
    for t: Int64 in [8, 99, 0] {   // string, unknown, undefined (int32/int64 inputs are taken as float values)
      let m = ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"])], inputs: [ONNX.value("x", [ONNX.dim(param: "N"), ONNX.dim(4)], elemType: t)],
                                    outputs: [ONNX.value("y", sample: [4])]))
      expectFailure(m, .unsupported, "element type")
    }
    // an attribute type that does not exist
    var a = PB()
    a.string(1, "alpha")
    a.int(20, 77)
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("LeakyRelu", ["x"], ["y"], attributes: [a])], inputs: [ONNX.value("x", sample: [4])],
                                        outputs: [ONNX.value("y", sample: [4])])), .malformed, "attribute 'alpha' should be a float")
  }

  // MARK: Nesting and huge lists

  /// A model whose Relu carries a graph attribute nested `depth` graphs deep.
  func nested(_ depth: Int) -> [UInt8] {
    var g = ONNX.graph(nodes: [], inputs: [], outputs: [])
    for _ in 0..<depth {
      g = ONNX.graph(nodes: [ONNX.node("If", [], [], attributes: [ONNX.attribute("body", .graph(g))])], inputs: [], outputs: [])
    }
    return ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"], attributes: [ONNX.attribute("body", .graph(g))])],
                                 inputs: [ONNX.value("x", sample: [4])], outputs: [ONNX.value("y", sample: [4])]))
  }

  @Test func deepNesting() {
    expectFailure(nested(3), .unsupported, "attribute 'body' is not supported")   // parsed, then refused by Relu
    expectFailure(nested(40), .limit, "nest deeper than 64")
    // 200,000 levels of ModelProto.graph → GraphProto.node → NodeProto.attribute →
    // AttributeProto.g → … (2.4 MB) would overflow the stack inside protobuf-c's recursive unpack.
    // Written outermost header first, the lengths computed from the inside out.
    var headers: [[UInt8]] = []
    var inner = 0
    let fields = [1, 5, 6]   // from the outside: node in a graph, attribute in a node, g in an attribute
    let levels = 600_000
    for level in 0..<levels {   // level 0 is the innermost
      let h = PB.varint(UInt64(fields[(levels - 1 - level) % 3] << 3 | 2)) + PB.varint(UInt64(inner))
      inner += h.count
      headers.append(h)
    }
    var deep = PB.varint(7 << 3 | 2) + PB.varint(UInt64(inner))   // ModelProto.graph
    for h in headers.reversed() { deep += h }
    expectFailure(deep, .limit, "nest deeper than 64")
    // TypeProto nests too (a sequence of a sequence of …)
    var tp = PB()
    tp.message(1, PB())
    for _ in 0..<100 { var seq = PB(); seq.message(1, tp); tp = PB(); tp.message(4, seq) }
    var vi = PB()
    vi.string(1, "x")
    vi.message(2, tp)
    expectFailure(ONNX.model(ONNX.graph(nodes: [], inputs: [vi], outputs: [ONNX.value("y", sample: [4])])), .limit, "nest deeper")
  }

  @Test func hugeAttributeListsAndNames() {
    let many = ONNX.attribute("axes", .ints([Int64](repeating: 1, count: Limits.maxAttributeElements + 1)))
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"], attributes: [many])], inputs: [ONNX.value("x", sample: [4])],
                                        outputs: [ONNX.value("y", sample: [4])])), .limit, "lists 1048577 ints")
    let attrs = (0...Limits.maxNodeArity).map { ONNX.attribute("a\($0)", .int(1)) }
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"], attributes: attrs)], inputs: [ONNX.value("x", sample: [4])],
                                        outputs: [ONNX.value("y", sample: [4])])), .limit, "65537 entries")
    let long = String(repeating: "n", count: Limits.maxStringBytes + 1)
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], [long])], inputs: [ONNX.value("x", sample: [4])],
                                        outputs: [ONNX.value("y", sample: [4])])), .limit, "longer than 65536 bytes")
    let s = ONNX.attribute("mode", .string(long))
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"], attributes: [s])], inputs: [ONNX.value("x", sample: [4])],
                                        outputs: [ONNX.value("y", sample: [4])])), .limit, "a string of 65537 bytes")
    let inputs = [String](repeating: "x", count: Limits.maxNodeArity + 1)
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("Concat", inputs, ["y"])], inputs: [ONNX.value("x", sample: [4])],
                                        outputs: [ONNX.value("y", sample: [4])])), .limit, "65537 entries")
    let dup = ONNX.attribute("alpha", .float(0.1))
    expectFailure(ONNX.model(ONNX.graph(nodes: [ONNX.node("LeakyRelu", ["x"], ["y"], attributes: [dup, dup])], inputs: [ONNX.value("x", sample: [4])],
                                        outputs: [ONNX.value("y", sample: [4])])), .malformed, "sets attribute 'alpha' twice")
  }

  @Test func constantsWhereRunTimeValuesAreNeeded() {
    // Softmax has no load-time folding rule: a constant input is unsupported, not an internal error
    let c = ONNX.tensor("c", dims: [1, 4], floats: [1, 2, 3, 4])
    let m = ONNX.model(ONNX.graph(nodes: [ONNX.node("Softmax", ["c"], ["s"], name: "sm"), ONNX.node("Add", ["x", "s"], ["y"])],
                                  inputs: [ONNX.value("x", sample: [4])], outputs: [ONNX.value("y", sample: [4])], initializers: [c]))
    expectFailure(m, .unsupported, "node 'sm' (Softmax): input 0 (input, 'c') is a constant")
    // Concat of scalar constants folds to nothing ONNX defines (a fuzzer's find; it trapped)
    let z = ONNX.tensor("z", dims: [], floats: [1])
    let cat = ONNX.model(ONNX.graph(nodes: [ONNX.node("Concat", ["z", "z"], ["c"], name: "cat", attributes: [ONNX.attribute("axis", .int(0))]),
                                            ONNX.node("Add", ["x", "c"], ["y"])],
                                    inputs: [ONNX.value("x", sample: [2])], outputs: [ONNX.value("y", sample: [2])], initializers: [z]))
    expectFailure(cat, .shape, "node 'cat' (Concat): input 0 is a scalar")
    // a reduction of a scalar constant along axis 0 (it trapped)
    let rmax = ONNX.model(ONNX.graph(nodes: [ONNX.node("ReduceMax", ["z"], ["c"], name: "rmax", attributes: [ONNX.attribute("axes", .ints([0]))]),
                                             ONNX.node("Add", ["x", "c"], ["y"])],
                                     inputs: [ONNX.value("x", sample: [2])], outputs: [ONNX.value("y", sample: [2])], initializers: [z]))
    expectFailure(rmax, .malformed, "node 'rmax' (ReduceMax): axis 0 is out of range for rank 0")
  }

  // MARK: Precision configs

  @Test func precisionConfigsNamingMissingLayersOrBadFormats() throws {
    let model = Paths.root + "/firmware-sim/models/jet_tagger.cleaned.onnx"
    // A LayerName entry naming no layer has no effect in hls4ml, so it loads (inspect lists it
    // as a note); formats hls4ml fails on are refused with hls4ml's exception; a format hls4ml
    // takes but trigrt cannot hold (W > 64) is unsupported.
    let cases: [(String, Status?, String)] = [
      ("Model:\n  Precision: ap_fixed<16,6>\nLayerName:\n  NoSuchLayer:\n    Precision: ap_fixed<8,3>\n", nil, ""),
      ("Model:\n  Precision: ap_fixed<16,banana>\n", .precisionConfig, "invalid literal for int() with base 10: 'banana'"),
      ("Model:\n  Precision: ap_fixed<100000,6>\n", .unsupported, "ap_fixed<100000,6>"),
      ("Model: [unclosed\n", .precisionConfig, "is missing"),
      ("", .precisionConfig, "is empty (0 bytes): not a precision config"),
    ]
    for (i, (text, code, needle)) in cases.enumerated() {
      let path = NSTemporaryDirectory() + "trigrt-limits-cfg-\(getpid())-\(i).yml"
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      defer { try? FileManager.default.removeItem(atPath: path) }
      let r = Result { () throws(TrigRTError) in try Model.load(path: model, options: LoadOptions(mode: .fixed, precisionConfig: path)) }
      switch r {
      case .success: if code != nil { Issue.record("config #\(i) loaded") }
      case .failure(let e):
        #expect(e.code == code, "#\(i): \(e.code): \(e.message)")
        #expect(e.message.contains(needle), "#\(i): '\(e.message)' lacks '\(needle)'")
      }
    }
  }

  // MARK: Fuzzer regressions (Tests/Fuzz/regressions): each loads or fails with a status

  @Test(arguments: ["load_float", "load_fixed"])
  func fuzzRegressionsLoadOrFail(_ harness: String) throws {
    let dir = Paths.root + "/Tests/Fuzz/regressions/" + harness
    for file in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() {
      let bytes = try ONNXReader.readFile(dir + "/" + file)
      let r = load(bytes, LoadOptions(mode: harness == "load_fixed" ? .fixed : .float))
      if case .failure(let e) = r { #expect(e.code != .internal, "\(file): \(e.message)") }
    }
  }

  /// fuzz_config inputs: byte 0 picks the model (the order of Tests/Fuzz/models.sh config), the
  /// rest is the config. Each loads or fails with a config status.
  @Test func fuzzRegressionsConfig() throws {
    let fw = Paths.root + "/firmware-sim/models/"
    let models = ["deepcsv", "jet_tagger", "jet_tagger_qonnx", "tracknn"].map { fw + $0 + ".cleaned.onnx" }
    let dir = Paths.root + "/Tests/Fuzz/regressions/config"
    for file in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() {
      let bytes = try ONNXReader.readFile(dir + "/" + file)
      let path = NSTemporaryDirectory() + "trigrt-fuzz-regression-\(getpid()).yml"
      try Data(bytes[1...]).write(to: URL(fileURLWithPath: path))
      defer { try? FileManager.default.removeItem(atPath: path) }
      let model = models[Int(bytes[0]) % models.count]
      let r = Result { () throws(TrigRTError) in try Model.load(path: model, options: LoadOptions(mode: .fixed, precisionConfig: path)) }
      if case .failure(let e) = r { #expect(e.code == .precisionConfig || e.code == .unsupported || e.code == .limit, "\(file): \(e.code) \(e.message)") }
    }
  }
}

import Foundation
