import Testing
@testable import TrigRT

@Suite struct ArenaPlannerTests {
  /// Two buffers may overlap in memory only if their lifetimes do not overlap.
  func valid(_ b: [BufferRequest], _ l: ArenaLayout) -> Bool {
    for i in b.indices {
      guard l.offsets[i] % 64 == 0, l.offsets[i] + b[i].size <= l.size else { return false }
      for j in b.indices where j > i && b[i].overlapsInTime(b[j]) {
        let a = l.offsets[i]..<(l.offsets[i] + b[i].size), c = l.offsets[j]..<(l.offsets[j] + b[j].size)
        if a.overlaps(c) && !a.isEmpty && !c.isEmpty { return false }
      }
    }
    return true
  }

  @Test func chainReusesMemory() {
    // A dense chain: each buffer lives from its producer to its consumer.
    let b = [BufferRequest(size: 256, firstUse: 0, lastUse: 1), BufferRequest(size: 128, firstUse: 1, lastUse: 2),
             BufferRequest(size: 128, firstUse: 2, lastUse: 3), BufferRequest(size: 64, firstUse: 3, lastUse: 4)]
    let g = GreedyArenaPlanner().plan(b, alignment: 64)
    #expect(valid(b, g))
    #expect(g.size == 384)   // 256 + 128: buffers 0 and 2 share, 1 and 3 share
    #expect(LinearArenaPlanner().plan(b, alignment: 64).size == 576)
  }

  @Test func randomLifetimesArePlacedWithoutConflicts() {
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<500 {
      let n = Int.random(in: 1...30, using: &rng)
      let b = (0..<n).map { _ -> BufferRequest in
        let f = Int.random(in: 0..<20, using: &rng)
        return BufferRequest(size: Int.random(in: 1...5000, using: &rng), firstUse: f, lastUse: f + Int.random(in: 0..<6, using: &rng))
      }
      let g = GreedyArenaPlanner().plan(b, alignment: 64)
      #expect(valid(b, g))
      #expect(g.size <= LinearArenaPlanner().plan(b, alignment: 64).size)
      // Never below the largest set of simultaneously live buffers.
      let peak = (0..<26).map { t in b.filter { $0.firstUse <= t && t <= $0.lastUse }.map { align($0.size, 64) }.reduce(0, +) }.max()!
      #expect(g.size >= peak)
    }
  }

  /// TFLM's arena-threshold test: pin the planned arena of the zoo.
  @Test func zooArenaSizes() throws {
    let expected = ["jet_tagger": 384, "deepcsv": 896, "tracknn": 512]
    for (name, bytes) in expected {
      let m = try Model.load(path: Paths.models("\(name).onnx"))
      #expect(m.arenaBytes(maxBatch: 1)! - m.plan.stagingBytesPerSample == bytes, "\(name): \(m.arenaBytes(maxBatch: 1)!)")
    }
  }
}
