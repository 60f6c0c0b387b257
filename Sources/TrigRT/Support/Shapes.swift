/// Shape arithmetic shared by lowering and planning.
enum Shapes {
  static func count(_ s: [Int]) -> Int { s.reduce(1, *) }

  /// numpy broadcasting of two full shapes; nil if incompatible.
  static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
    let r = max(a.count, b.count)
    var out = [Int](repeating: 1, count: r)
    for i in 0..<r {
      let da = i < r - a.count ? 1 : a[i - (r - a.count)]
      let db = i < r - b.count ? 1 : b[i - (r - b.count)]
      if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
    }
    return out
  }

  /// Row-major strides of `shape` as seen from an output of rank `rank` (right-aligned), with
  /// stride 0 where the operand is broadcast (its dimension is 1 or missing).
  static func broadcastStrides(_ shape: [Int], outShape: [Int]) -> [Int] {
    let r = outShape.count
    var strides = [Int](repeating: 0, count: r)
    var s = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
      let o = i + (r - shape.count)
      strides[o] = shape[i] == 1 && outShape[o] != 1 ? 0 : s
      s *= shape[i]
    }
    return strides
  }

  /// Full-shape view of a value for broadcasting: batched values get a leading 1 standing for N.
  static func full(_ v: Value) -> [Int] { v.isBatched ? [1] + v.shape : v.shape }
}
