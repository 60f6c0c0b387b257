import Foundation
import Testing
import TrigRTTools
@testable import TrigRT

/// hls4ml's ONNX preprocessing (qonnx cleanup → GemmToMatMul → cleanup, HLS4ML-FRONTEND.md §1)
/// on raw exports, against what qonnx itself produced (firmware-sim/type-oracle/naming.json):
/// node names and order, wiring, initialiser names, graph I/O. And a config keyed by the cleaned
/// names applied to the raw zoo exports computes what it computes on the cleaned files.
@Suite struct HLSFrontendNamingTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var testDescription: String { name }
  }

  static func naming() -> [String: Any] {
    let d = FileManager.default.contents(atPath: Paths.root + "/firmware-sim/type-oracle/naming.json")!
    return (try! JSONSerialization.jsonObject(with: d) as! [String: Any])["models"] as! [String: Any]
  }

  static let cases: [Case] = naming().keys.sorted().map { Case(name: $0) }

  static func clean(_ path: String) throws(TrigRTError) -> HLSPreprocess.Cleaned {
    let bytes = try ONNXReader.readFile(path)
    let r: Result<HLSPreprocess.Cleaned, TrigRTError> = bytes.withUnsafeBytes { b in
      Result { () throws(TrigRTError) -> HLSPreprocess.Cleaned in
        let g = try ONNXReader.parse(b, source: path)
        let lowered = (try? Lowering.lower(g, source: path)) ?? LoweredGraph(values: [], layers: [], inputs: [], outputs: [], outputNames: [])
        let r = Result { () throws(HLSPreprocess.Failure) in try HLSPreprocess.clean(g, folded: HLSFrontend.foldedValues(lowered)) }
        switch r {
        case .success(let c): return c
        case .failure(let e): throw TrigRTError(.unsupported, e.message)
        }
      }
    }
    return try r.get()
  }

  @Test(arguments: cases)
  func preprocessingMatchesQonnx(_ c: Case) throws {
    let entry = Self.naming()[c.name] as! [String: Any]
    let raw = Paths.root + "/" + (entry["raw_model"] as! String)
    let got = Result { () throws(TrigRTError) in try Self.clean(raw) }
    guard let cleaned = entry["cleaned"] as? [String: Any] else {
      if case .success = got { Issue.record("\(c.name): qonnx fails (\(entry["error"] ?? "")), trigrt's preprocessing succeeds") }
      return
    }
    let g = try got.get()
    let nodes = (cleaned["nodes"] as! [[Any]]).map { n in
      "\(n[0] as! String) \(n[1] as! String) \((n[2] as! [String]).joined(separator: ",")) -> \((n[3] as! [String]).joined(separator: ","))"
    }
    let mine = g.nodes.map { "\($0.name) \($0.opType) \($0.inputs.joined(separator: ",")) -> \($0.outputs.joined(separator: ","))" }
    #expect(mine == nodes, "\(c.name): nodes\n\(mine.joined(separator: "\n"))\nvs qonnx\n\(nodes.joined(separator: "\n"))")
    #expect(g.initializerOrder.sorted() == (cleaned["initializers"] as! [String]).sorted(), "\(c.name): initialisers \(g.initializerOrder.sorted())")
    #expect(g.inputs.map(\.name) == cleaned["inputs"] as! [String], "\(c.name): inputs \(g.inputs.map(\.name))")
    #expect(g.outputs.map(\.name) == cleaned["outputs"] as! [String], "\(c.name): outputs \(g.outputs.map(\.name))")
  }

  /// The cleaned names of the committed zoo models are what qonnx gives their raw exports.
  @Test func cleanedModelsKeepTheirNames() throws {
    for m in ["deepcsv", "jet_tagger", "tracknn", "jet_tagger_qonnx"] {
      let path = Paths.root + "/firmware-sim/models/\(m).cleaned.onnx"
      let g = try Self.clean(path)
      let bytes = try ONNXReader.readFile(path)
      let original = try bytes.withUnsafeBytes { b in try ONNXReader.parse(b, source: path) }
      #expect(g.nodes.map(\.name) == original.nodes.map(\.name), "\(m)")
      #expect(g.nodes.map(\.inputs) == original.nodes.map(\.inputs), "\(m)")
      #expect(Set(g.initializerOrder) == Set(original.initializers.keys), "\(m)")
    }
  }

  struct Golden: Sendable, CustomTestStringConvertible {
    var model: String
    var config: String
    var testDescription: String { "\(model)/\(config)" }
  }

  static let goldens: [Golden] = {
    var out: [Golden] = []
    let dir = Paths.root + "/firmware-sim/configs"
    for m in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() {
      for c in ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/" + m)) ?? []).sorted() where c.hasSuffix(".yml") {
        out.append(Golden(model: m, config: String(c.dropLast(4))))
      }
    }
    return out
  }()

  static func run(_ model: Model, _ x: NPYArray, rows: Int) throws -> [Double] {
    let s = try Session.make(model: model, maxBatch: rows)
    let nin = model.inputs[0].count, nout = model.outputs[0].count
    var y = [Double](repeating: .nan, count: rows * nout)
    let xin = Array(x.values[0..<(rows * nin)])
    let f: RunFailure? = xin.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        var ins: [UnsafePointer<Double>?] = [xp.baseAddress]
        var outs: [UnsafeMutablePointer<Double>?] = [yp.baseAddress]
        return ins.withUnsafeMutableBufferPointer { i in
          outs.withUnsafeMutableBufferPointer { o in s.runF64(inputs: UnsafePointer(i.baseAddress), outputs: UnsafePointer(o.baseAddress), batch: rows) }
        }
      }
    }
    if let f { throw TrigRTError(f.status, "run failed: \(f)") }
    return y
  }

  /// A golden config (keyed by cleaned names) on the raw export (Models/<model>.onnx, with its
  /// own node names, Gemm layers, unsorted QONNX quantisers…): the same hls4ml layers and types
  /// as on the cleaned model, and the csim outputs bit for bit.
  @Test(arguments: goldens)
  func rawExportComputesLikeTheCleanedModel(_ g: Golden) throws {
    let cfg = Paths.root + "/firmware-sim/configs/\(g.model)/\(g.config).yml"
    if ["jet_image_cnn", "conv1d_tracks", "econ_encoder", "calo_pool_cnn", "calo_avgpool_cnn", "jettag_cnn2d_float"].contains(g.model) {
      // trigrt does not reproduce qonnx's channels-last conversion: the raw CNN export is refused
      // (jettag_cnn2d_float's is ../shared/models', when present).
      var raw = Paths.models(g.model + ".onnx")
      if g.model == "jettag_cnn2d_float" {
        guard let dir = Paths.shared else { return }
        raw = "\(dir)/\(g.model).onnx"
      }
      #expect {
        _ = try Model.load(path: raw, options: LoadOptions(mode: .fixed, precisionConfig: cfg))
      } throws: { e in
        (e as? TrigRTError)?.code == .unsupported && (e as? TrigRTError)?.message.contains("ConvertToChannelsLastAndClean") == true
      }
      return
    }
    let raw = try Model.load(path: Paths.models(g.model + ".onnx"), options: LoadOptions(mode: .fixed, precisionConfig: cfg))
    let cleaned = try Model.load(path: Paths.root + "/firmware-sim/models/\(g.model).cleaned.onnx", options: LoadOptions(mode: .fixed, precisionConfig: cfg))
    #expect(raw.layers.map(\.name) == cleaned.layers.map(\.name))
    #expect(raw.layers.map(\.formats) == cleaned.layers.map(\.formats))
    let x = try NPYArray.read(Paths.root + "/firmware-sim/goldens/\(g.model)/\(g.config).inputs.npy")
    let want = try NPYArray.read(Paths.root + "/firmware-sim/goldens/\(g.model)/\(g.config).outputs.npy")
    let rows = 1000
    let y = try Self.run(raw, x, rows: rows)
    let nout = raw.outputs[0].count
    let bad = (0..<(rows * nout)).filter { y[$0] != want.values[$0] }.count
    #expect(bad == 0, "\(g): \(bad) of \(rows * nout) outputs differ from hls4ml's csim on the raw export")
  }
}
