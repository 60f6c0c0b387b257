import FixedPoint
/// Owns the packed constants of a plan (weights, biases, broadcast operands): 64-byte aligned,
/// allocated once at load, freed with the model. Kernels hold raw pointers into it.
final class ConstantStore: @unchecked Sendable {
  private var blocks: [UnsafeMutableRawPointer] = []
  private(set) var bytes = 0

  /// A zeroed, 64-byte aligned buffer of `count` elements of T, owned by the store.
  func allocate<T>(_ count: Int, of: T.Type) -> UnsafeMutablePointer<T> {
    let size = max(count, 1) * MemoryLayout<T>.stride
    let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
    p.initializeMemory(as: UInt8.self, repeating: 0, count: size)
    blocks.append(p)
    bytes += size
    return p.bindMemory(to: T.self, capacity: max(count, 1))
  }

  func store(_ values: [Float]) -> UnsafeMutablePointer<Float> {
    let p = allocate(values.count, of: Float.self)
    for (i, v) in values.enumerated() { p[i] = v }
    return p
  }

  /// A value of any type, owned by the store (e.g. a FixedCast that steps point to).
  func box<T>(_ value: T) -> UnsafePointer<T> {
    let p = allocate(1, of: T.self)
    p.initialize(to: value)
    return UnsafePointer(p)
  }

  func cast(_ c: FixedCast) -> UnsafePointer<FixedCast> { box(c) }

  func store(_ values: [Int]) -> UnsafeMutablePointer<Int> {
    let p = allocate(values.count, of: Int.self)
    for (i, v) in values.enumerated() { p[i] = v }
    return p
  }

  deinit {
    for b in blocks { b.deallocate() }
  }
}
