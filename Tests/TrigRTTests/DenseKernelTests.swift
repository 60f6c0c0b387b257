import Testing
@testable import TrigRT

/// The SIMD Dense kernels against the plain double-precision loop, over shapes that hit every
/// tile path (1, 2, 4 tiles, partial tiles) and row blocking (batches 1…9).
@Suite struct DenseKernelTests {
  @Test func simdMatchesReference() {
    var rng = SystemRandomNumberGenerator()
    let acts: [Activation] = [.identity, .relu, .leakyRelu(alpha: 0.1), .sigmoid, .tanh, .clip(min: -0.3, max: 0.4)]
    for (k, m) in [(1, 1), (3, 5), (16, 64), (17, 65), (68, 100), (100, 4), (32, 33), (7, 130), (64, 31), (5, 16)] {
      for act in acts {
        let w = (0..<(k * m)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<m).map { _ in Float.random(in: -1...1, using: &rng) }
        let spec = DenseSpec(inFeatures: k, outFeatures: m, rowsPerSample: 1, weights: w, bias: b, activation: act)
        let store = ConstantStore()
        let step = DenseFloatStep(spec, x: 0, y: 1, store: store)
        for batch in 1...9 {
          let x = (0..<(batch * k)).map { _ in Float.random(in: -2...2, using: &rng) }
          let want = DenseKernel.reference(spec, x)
          var y = [Float](repeating: .nan, count: batch * m + 1)
          y[batch * m] = 12345   // guard: nothing is written past the output
          x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
              let slots = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: 2)
              slots[0] = UnsafeMutableRawPointer(mutating: xp.baseAddress!)
              slots[1] = UnsafeMutableRawPointer(yp.baseAddress!)
              DenseKernel.run(step, UnsafePointer(slots), batch: batch)
              slots.deallocate()
            }
          }
          #expect(y[batch * m] == 12345)
          let tol = Float(1e-5) * Float(k).squareRoot() * 4
          let worst = zip(y, want).map { abs($0 - $1) }.max()!
          #expect(worst <= tol, "k=\(k) m=\(m) \(act) batch \(batch): \(worst)")
        }
      }
    }
  }
}
