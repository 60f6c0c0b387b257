import Foundation
@testable import TrigRT
import TrigRTTools

/// Repository paths, found from this file's location.
enum Paths {
  static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()
  static func fixture(_ rel: String) -> String { root + "/Tests/Fixtures/" + rel }
  static func models(_ rel: String) -> String { root + "/Models/" + rel }
  /// ../shared/models beside the checkout, when present (the published models are not committed).
  static let shared: String? = {
    let p = URL(fileURLWithPath: root).deletingLastPathComponent().appendingPathComponent("shared/models").path
    return FileManager.default.fileExists(atPath: p) ? p : nil
  }()
}

/// Runs every row of `x` through `model` in calls of `batch` rows; returns the outputs (first
/// output only) in float and f64 runs (f64 NaN when `f64` is false).
func runAll(_ model: Model, _ x: NPYArray, batch: Int, f64: Bool = true, reporting: Bool = false) throws -> (f32: [Float], f64: [Double]) {
  let session = try Session.make(model: model, maxBatch: batch)
  session.reporting = reporting
  let nin = model.inputs[0].count, nout = model.outputs[0].count
  let rows = x.shape[0]
  var out32 = [Float](repeating: 0, count: rows * nout)
  var out64 = [Double](repeating: 0, count: rows * nout)
  var r = 0
  while r < rows {
    let n = min(batch, rows - r)
    let xin = (0..<(n * nin)).map { Float(x.values[r * nin + $0]) }
    let xd = (0..<(n * nin)).map { Float(x.values[r * nin + $0]) }.map(Double.init)
    var y = [Float](repeating: .nan, count: n * nout)
    var yd = [Double](repeating: .nan, count: n * nout)
    let f1: RunFailure? = xin.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        var ins: [UnsafePointer<Float>?] = [xp.baseAddress]
        var outs: [UnsafeMutablePointer<Float>?] = [yp.baseAddress]
        return ins.withUnsafeMutableBufferPointer { i in
          outs.withUnsafeMutableBufferPointer { o in session.run(inputs: UnsafePointer(i.baseAddress), outputs: UnsafePointer(o.baseAddress), batch: n) }
        }
      }
    }
    let f2: RunFailure? = !f64 ? nil : xd.withUnsafeBufferPointer { xp in
      yd.withUnsafeMutableBufferPointer { yp in
        var ins: [UnsafePointer<Double>?] = [xp.baseAddress]
        var outs: [UnsafeMutablePointer<Double>?] = [yp.baseAddress]
        return ins.withUnsafeMutableBufferPointer { i in
          outs.withUnsafeMutableBufferPointer { o in session.runF64(inputs: UnsafePointer(i.baseAddress), outputs: UnsafePointer(o.baseAddress), batch: n) }
        }
      }
    }
    if let f = f1 ?? f2 { throw TrigRTError(f.status, "run failed: \(f)") }
    for e in 0..<(n * nout) { out32[r * nout + e] = y[e]; out64[r * nout + e] = yd[e] }
    r += n
  }
  return (out32, out64)
}

/// Largest |a − b| (NaN where only one side is NaN counts as infinite).
func maxDiff(_ a: [Float], _ b: [Double]) -> Double {
  var worst = 0.0
  for (x, y) in zip(a, b) {
    if x.isNaN && y.isNaN { continue }
    if x.isNaN || y.isNaN { return .infinity }
    if x == Float(y) { continue }
    worst = max(worst, abs(Double(x) - y))
  }
  return worst
}

func loadModel(_ path: String) throws -> Model {
  do { return try Model.load(path: path) } catch { throw error }
}
