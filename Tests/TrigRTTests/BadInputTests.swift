import Testing
@testable import TrigRT
import TrigRTTools

/// Every bad input gives its documented status and a message that names the problem.
@Suite struct BadInputTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var file: String
    var code: Status
    var needle: String
    var testDescription: String { file }
  }

  static let cases: [Case] = [
    Case(file: "missing.onnx", code: .io, needle: "cannot open"),
    Case(file: "empty.onnx", code: .malformed, needle: "is empty (0 bytes)"),
    Case(file: "truncated.onnx", code: .malformed, needle: "not a valid ONNX model"),
    Case(file: "random.onnx", code: .malformed, needle: "random.onnx"),
    Case(file: "unsupported_op.onnx", code: .unsupported, needle: "unsupported operator 'TopK' at node 'topk'"),
    Case(file: "no_shape.onnx", code: .shape, needle: "graph input 'x' has no shape"),
    Case(file: "external_data.onnx", code: .unsupported, needle: "external file"),
    Case(file: "bad_raw_data.onnx", code: .malformed, needle: "raw_data holds 20 bytes, but [4, 3] float needs 48"),
    Case(file: "bad_opset.onnx", code: .unsupported, needle: "opset 7 is not supported"),
    Case(file: "dangling_input.onnx", code: .malformed, needle: "input 'nobody'"),
  ]

  @Test(arguments: cases)
  func reportsStatusAndReason(_ c: Case) {
    do {
      _ = try Model.load(path: Paths.fixture("bad/" + c.file))
      Issue.record("\(c.file) loaded")
    } catch {
      #expect(error.code == c.code, "\(c.file): \(error.code) \(error.message)")
      #expect(error.message.contains(c.needle), "\(c.file): '\(error.message)' lacks '\(c.needle)'")
    }
  }

  /// Truncating a valid model at every length, and flipping bytes, never crashes: each attempt
  /// loads or fails with a status.
  @Test func truncationsAndBitFlipsNeverCrash() throws {
    let path = Paths.fixture("ops/matmul_relu.onnx")
    let bytes = try ONNXReader.readFile(path)
    var failures = 0
    for n in 0..<bytes.count {
      let r: Result<Model, TrigRTError> = bytes.withUnsafeBytes { b in
        Result { () throws(TrigRTError) in try Model.load(bytes: UnsafeRawBufferPointer(rebasing: b[0..<n])) }
      }
      if case .failure = r { failures += 1 }
    }
    #expect(failures >= bytes.count - 2)
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<3000 {
      var m = bytes
      for _ in 0..<Int.random(in: 1...4, using: &rng) { m[Int.random(in: 0..<m.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
      let r: Result<Model, TrigRTError> = m.withUnsafeBytes { b in Result { () throws(TrigRTError) in try Model.load(bytes: b) } }
      if case .failure(let e) = r { #expect(!e.message.isEmpty) }
    }
  }

  @Test func wrongBatchAndNullPointers() throws {
    let m = try Model.load(path: Paths.fixture("ops/relu.onnx"))
    let s = try Session.make(model: m, maxBatch: 3)
    var x = [Float](repeating: 1, count: 37 * 4), y = [Float](repeating: 0, count: 37 * 4)
    x.withUnsafeMutableBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        var ins: [UnsafePointer<Float>?] = [UnsafePointer(xp.baseAddress)]
        var outs: [UnsafeMutablePointer<Float>?] = [yp.baseAddress]
        ins.withUnsafeMutableBufferPointer { i in
          outs.withUnsafeMutableBufferPointer { o in
            #expect(s.run(inputs: UnsafePointer(i.baseAddress), outputs: UnsafePointer(o.baseAddress), batch: 0) == .batch(0, max: 3))
            #expect(s.run(inputs: UnsafePointer(i.baseAddress), outputs: UnsafePointer(o.baseAddress), batch: 4) == .batch(4, max: 3))
            #expect(s.run(inputs: nil, outputs: UnsafePointer(o.baseAddress), batch: 1) == .nullInputs)
            #expect(s.run(inputs: UnsafePointer(i.baseAddress), outputs: nil, batch: 1) == .nullOutputs)
            #expect(s.run(inputs: UnsafePointer(i.baseAddress), outputs: UnsafePointer(o.baseAddress), batch: 3) == nil)
          }
        }
        var nullIns: [UnsafePointer<Float>?] = [nil]
        nullIns.withUnsafeMutableBufferPointer { i in
          var outs2: [UnsafeMutablePointer<Float>?] = [yp.baseAddress]
          outs2.withUnsafeMutableBufferPointer { o in
            #expect(s.run(inputs: UnsafePointer(i.baseAddress), outputs: UnsafePointer(o.baseAddress), batch: 1) == .nullInput(0))
          }
        }
      }
    }
    #expect(throws: TrigRTError.self) { try Session.make(model: m, maxBatch: 0) }
  }

  @Test func nanAndInfinityPropagate() throws {
    for (file, input, check) in [
      ("relu.onnx", Float.nan, { (v: Float) in v.isNaN }),
      ("softmax13_last.onnx", Float.nan, { (v: Float) in v.isNaN }),
      ("matmul_relu.onnx", Float.infinity, { (v: Float) in v.isNaN || v.isInfinite || v == 0 }),
      ("tanh.onnx", Float.infinity, { (v: Float) in v == 1 }),
      ("sigmoid.onnx", -Float.infinity, { (v: Float) in v == 0 }),
    ] {
      let m = try Model.load(path: Paths.fixture("ops/" + file))
      let x = NPYArray(shape: [1] + m.inputs[0].shape, values: [Double](repeating: Double(input), count: m.inputs[0].count))
      let (y, _) = try runAll(m, x, batch: 1)
      #expect(y.allSatisfy(check), "\(file) with \(input): \(y.prefix(4))")
    }
  }
}
