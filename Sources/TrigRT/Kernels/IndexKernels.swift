/// Float kernels of the table-driven layers: index gathers (Resize/Upsample nearest, Gather
/// with constant indices), embedding lookups (Gather with run-time indices), reductions
/// (ReduceSum/ReduceMean/ReduceMax), element-wise Max/Min and Cast to integer types. Every table
/// was built and bounds-checked when the plan was built; the run path only reads it.

struct GatherFloatStep {
  var x: Int32
  var y: Int32
  var inCount: Int
  var outCount: Int
  var source: UnsafePointer<Int32>   // outCount entries in 0..<inCount
}

enum GatherKernel {
  static func run(_ s: GatherFloatStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(floats(slots, s.x)), y = floats(slots, s.y)
    for n in 0..<batch {
      let xb = x + n &* s.inCount, yb = y + n &* s.outCount
      for i in 0..<s.outCount { yb[i] = xb[Int(s.source[i])] }
    }
  }
}

struct EmbeddingFloatStep {
  var x: Int32
  var y: Int32
  var indices: Int
  var rows: Int
  var rowSize: Int
  var table: UnsafePointer<Float>
}

enum EmbeddingKernel {
  /// Indices arrive as float values; a negative one counts from the end (as ONNX defines).
  /// An index that is not an integer in −rows..<rows (ONNX Runtime fails the call) gives a row
  /// of zeros: `run` never traps, whatever the input.
  static func run(_ s: EmbeddingFloatStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(floats(slots, s.x)), y = floats(slots, s.y)
    let rows = Float(s.rows)
    for j in 0..<(batch &* s.indices) {
      let v = x[j]
      let dst = y + j &* s.rowSize
      guard v >= -rows, v < rows, v == v.rounded(.towardZero) else {
        dst.update(repeating: 0, count: s.rowSize)
        continue
      }
      var r = Int(v)
      if r < 0 { r &+= s.rows }
      dst.update(from: s.table + r &* s.rowSize, count: s.rowSize)
    }
  }
}

struct ReduceFloatStep {
  var x: Int32
  var y: Int32
  var kind: UInt8          // 0 sum, 1 mean, 2 max
  var inCount: Int
  var outCount: Int
  var target: UnsafePointer<Int32>
  var divisor: Float
}

enum ReduceKernel {
  static func run(_ s: ReduceFloatStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(floats(slots, s.x)), y = floats(slots, s.y)
    for n in 0..<batch {
      let xb = x + n &* s.inCount, yb = y + n &* s.outCount
      if s.kind == 2 {
        yb.update(repeating: -.infinity, count: s.outCount)
        for i in 0..<s.inCount {
          let t = Int(s.target[i]), v = xb[i]
          if v > yb[t] || v.isNaN { yb[t] = v }
        }
      } else {
        yb.update(repeating: 0, count: s.outCount)
        for i in 0..<s.inCount { yb[Int(s.target[i])] += xb[i] }
        if s.kind == 1 { for o in 0..<s.outCount { yb[o] /= s.divisor } }
      }
    }
  }
}

struct MinMaxFloatStep {
  var b: BinaryFloatStep
  var isMax: Bool
}

enum MinMaxKernel {
  /// NaN in either operand gives NaN, as ONNX Runtime's Max/Min do.
  static func run(_ s: MinMaxFloatStep, _ slots: Slots, batch: Int) {
    if s.isMax {
      BinaryKernel.apply(s.b, slots, batch) { p, q in p.isNaN || q.isNaN ? .nan : (p < q ? q : p) }
    } else {
      BinaryKernel.apply(s.b, slots, batch) { p, q in p.isNaN || q.isNaN ? .nan : (q < p ? q : p) }
    }
  }
}

struct CastFloatStep {
  var x: Int32
  var y: Int32
  var count: Int
  var bits: Int            // 0: bool
  var signed: Bool
}

enum CastKernel {
  /// Truncation toward zero, then wrap-around into the target's range (values beyond ±2^62 and
  /// NaN, undefined in C and ONNX Runtime, give 0).
  static func run(_ s: CastFloatStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(floats(slots, s.x)), y = floats(slots, s.y)
    let n = batch &* s.count
    if s.bits == 0 {
      for i in 0..<n { y[i] = x[i] != 0 ? 1 : 0 }
      return
    }
    for i in 0..<n {
      let v = x[i]
      guard v.magnitude < 4.0e18 else { y[i] = 0; continue }
      var k = Int64(v.rounded(.towardZero))
      if s.bits < 64 {
        let m = Int64(1) << Int64(s.bits)
        k &= m &- 1
        if s.signed && k >= m >> 1 { k &-= m }
      }
      y[i] = Float(k)
    }
  }
}
