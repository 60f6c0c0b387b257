// Differential oracle for trigrt's FixedPoint module: random cases computed with Xilinx's
// ap_fixed.h / ap_int.h and Mentor's ac_fixed.h / ac_int.h, as shipped in the hls4ml 1.3.0 wheel
// (hls4ml/templates/vivado/ap_types, hls4ml/templates/catapult/ac_types/include).
//
// Formats are template parameters, so they are drawn at compile time from a constexpr hash of
// (SEED, part, case index); values are drawn at run time from the same seed. Each PART is compiled
// separately (the template instantiations dominate compile time) and writes one text section:
//
//   F <id> <type>                          a format, in a spelling FixedFormat(parsing:) accepts
//   C <src> <dst> <xin> <xout>             conversion (assignment) src -> dst
//   Q <fmt> <double bits> <xout>           construction from double
//   G <fmt> <float bits> <xout>            construction from float
//   T <fmt> <x> <int32 bits> <int64 bits>  to_int(), to_int64()
//   R <fmt> <x> <double bits> <float bits> to_double(), to_float() (ac: (float)to_double())
//   M|A|U|V <a> <b> <xa> <xb> <W> <I> <S> <xr>   a*b, a+b, a-b, a/b and the result type
//   X <op> <a> <b> <dst> <xa> <xb> <xout>  the exact result of a <op> b converted to dst
//                                          (dst = a op b, e.g. acc = acc + w*x)
//
// Raw values are hexadecimal W-bit patterns. Build: see run-oracle.sh.

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cmath>
#include <utility>

#if PART == 4
#include <ac_fixed.h>
#include <ac_int.h>
#else
#include <ap_fixed.h>
#include <ap_int.h>
#endif

#ifndef SEED
#define SEED 1
#endif
#ifndef SCALE
#define SCALE 1
#endif

typedef unsigned __int128 u128;
typedef __int128 i128;

static FILE* out = stdout;

// ---------------------------------------------------------------------------------------------
// Hashing and random numbers

constexpr uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
constexpr uint64_t H(int part, int k, int salt) {
  return mix(mix((uint64_t)SEED * 0x100000001B3ull + (uint64_t)part * 7919u) ^ mix((uint64_t)k * 1315423911ull + (uint64_t)salt));
}

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() { s += 0x9E3779B97F4A7C15ull; uint64_t x = s; x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull; x = (x ^ (x >> 27)) * 0x94D049BB133111EBull; return x ^ (x >> 31); }
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  int64_t range(int64_t lo, int64_t hi) { return lo + (int64_t)below((uint64_t)(hi - lo + 1)); }
};

// ---------------------------------------------------------------------------------------------
// Formats

struct Fmt { int W, I; bool S; int Q, O, N; };

// Q index order: TRN, TRN_ZERO, RND, RND_ZERO, RND_INF, RND_MIN_INF, RND_CONV, RND_CONV_ODD
static const char* const QNAME[] = {"TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_INF", "RND_MIN_INF", "RND_CONV", "RND_CONV_ODD"};
// O index order: WRAP, SAT, SAT_ZERO, SAT_SYM
static const char* const ONAME[] = {"WRAP", "SAT", "SAT_ZERO", "SAT_SYM"};

constexpr int special_widths[] = {1, 2, 3, 31, 32, 33, 53, 54, 63, 64};

// style: 0 ordinary I, 1 ordinary plus far-out I (|I| up to ~200), 2 extreme F / I (around ±1100)
constexpr Fmt gen_fmt(uint64_t h, int maxW, bool modes, bool ac, int style) {
  Fmt f{1, 1, true, 0, 0, 0};
  uint64_t g = mix(h);
  if (h % 6 == 0) {
    int w = special_widths[(h >> 3) % 10];
    f.W = w <= maxW ? w : maxW;
  } else {
    f.W = 1 + (int)((h >> 3) % (uint64_t)maxW);
  }
  f.S = (h >> 13) & 1;
  int r = (int)((h >> 16) % 100);
  if (style == 2 && r < 50) {
    f.I = (r & 1) ? 1000 + (int)((g >> 5) % 140) : -1100 + (int)((g >> 5) % 140);
  } else if (style >= 1 && r < 12) {
    f.I = -200 + (int)((g >> 5) % 401);
  } else if (r < 75) {
    f.I = f.W - 6 - (int)((g >> 5) % (uint64_t)(f.W + 7)) + 12 * (int)((g >> 20) % 2) * (int)((g >> 21) % 2);
  } else {
    f.I = -20 + (int)((g >> 5) % (uint64_t)(f.W + 41));
  }
  if (modes) {
    f.Q = (int)((h >> 24) % (ac ? 8 : 7));
    f.O = (int)((h >> 28) % 4);
    if (!ac) {
      uint64_t n = (h >> 32) % 8;
      if (f.O == 0 && n < 3) f.N = 1 + (int)((h >> 36) % (uint64_t)(f.W < 4 ? f.W : 4));
      else if (n == 3) f.N = (int)((h >> 40) % (uint64_t)(f.W + 1));  // any N, incl. non-WRAP (ignored)
    }
  }
  return f;
}

static int next_id = 0;

static int emit_fixed(const Fmt& f, bool ac) {
  int id = ++next_id;
  if (ac)
    fprintf(out, "F %d ac_fixed<%d,%d,%s,AC_%s,AC_%s>\n", id, f.W, f.I, f.S ? "true" : "false", QNAME[f.Q], ONAME[f.O]);
  else
    fprintf(out, "F %d %s<%d,%d,AP_%s,AP_%s,%d>\n", id, f.S ? "ap_fixed" : "ap_ufixed", f.W, f.I, QNAME[f.Q], ONAME[f.O], f.N);
  return id;
}
static int emit_int(const Fmt& f, bool ac) {
  int id = ++next_id;
  if (ac) fprintf(out, "F %d ac_int<%d,%s>\n", id, f.W, f.S ? "true" : "false");
  else fprintf(out, "F %d %s<%d>\n", id, f.S ? "ap_int" : "ap_uint", f.W);
  return id;
}

static void phex(u128 v) {
  uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;
  if (hi) fprintf(out, " %llx%016llx", (unsigned long long)hi, (unsigned long long)lo);
  else fprintf(out, " %llx", (unsigned long long)lo);
}
static u128 mask(int w) { return w >= 128 ? ~(u128)0 : (((u128)1 << w) - 1); }
static uint64_t dbits(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }
static uint32_t fbits(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }
static double bdouble(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
static float bfloat(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }

// ---------------------------------------------------------------------------------------------
// Value generators

static i128 rmin(int w, bool s) { return s ? -((i128)1 << (w - 1)) : 0; }
static i128 rmax(int w, bool s) { return s ? ((i128)1 << (w - 1)) - 1 : (i128)(((u128)1 << w) - 1); }

// A raw pattern (W2 bits) of a source, biased toward the rounding and overflow boundaries of a
// target with width W, signedness S, whose resolution is 2^d source LSBs (d = F2 - F).
static uint64_t pick_source(Rng& g, int W2, bool S2, int d, int W, bool S) {
  i128 smin = rmin(W2, S2), smax = rmax(W2, S2);
  i128 r = 0;
  int c = (int)g.below(16);
  if (c <= 3) {
    return (uint64_t)(g.next() & (uint64_t)mask(W2));
  } else if (c == 4) {
    i128 e[] = {smin, smax, 0, 1, -1, smin + 1, smax - 1};
    r = e[g.below(7)];
  } else if (c <= 11) {
    i128 tmin = rmin(W, S), tmax = rmax(W, S), q;
    int k = (int)g.below(12);
    if (k < 5) q = tmin - 2 + k;
    else if (k < 10) q = tmax - 2 + (k - 5);
    else if (k == 10) q = (i128)g.range(-2, 2);
    else q = tmin + (i128)(g.next() % (uint64_t)((tmax - tmin) > 0 && (tmax - tmin) < (i128)UINT64_MAX ? (uint64_t)(tmax - tmin + 1) : UINT64_MAX));
    if (d >= 0 && d <= 62) {
      i128 one = (i128)1 << d, half = d > 0 ? one / 2 : 0, rem;
      int kr = (int)g.below(7);
      if (d == 0) rem = 0;
      else if (kr == 0) rem = 0;
      else if (kr == 1) rem = 1;
      else if (kr == 2) rem = half - 1;
      else if (kr == 3) rem = half;
      else if (kr == 4) rem = half + 1;
      else if (kr == 5) rem = one - 1;
      else rem = (i128)(g.next() % (uint64_t)one);
      r = q * one + rem;
    } else if (d < 0 && d >= -62) {
      i128 one = (i128)1 << -d;
      i128 fl = q >= 0 ? q / one : -((-q + one - 1) / one);
      r = fl + g.range(-1, 1);
    } else {
      return (uint64_t)(g.next() & (uint64_t)mask(W2));
    }
  } else {
    int bits = (int)g.below((uint64_t)W2 + 1);
    r = bits == 0 ? 0 : (i128)(g.next() & (uint64_t)mask(bits));
    if (S2 && (g.next() & 1)) r = -r;
  }
  if (r < smin || r > smax) r = (i128)((u128)r & mask(W2));  // keep the low W2 bits
  return (uint64_t)((u128)r & mask(W2));
}

static uint64_t pick_raw(Rng& g, int W, bool S) { return pick_source(g, W, S, 0, W, S); }

static const uint64_t special_doubles[] = {
  0x0000000000000000ull, 0x8000000000000000ull, 0x7FF0000000000000ull, 0xFFF0000000000000ull,
  0x7FF8000000000000ull, 0xFFF8000000000000ull, 0x7FF0000000000001ull, 0xFFF4000000000123ull,
  0x7FFFFFFFFFFFFFFFull, 0x0000000000000001ull, 0x8000000000000001ull, 0x000FFFFFFFFFFFFFull,
  0x800FFFFFFFFFFFFFull, 0x0010000000000000ull, 0x8010000000000000ull, 0x7FEFFFFFFFFFFFFFull,
  0xFFEFFFFFFFFFFFFFull, 0x3FF0000000000000ull, 0xBFF0000000000000ull, 0x3FE0000000000000ull,
  0xBFE0000000000000ull, 0x3FD0000000000000ull, 0xBFD0000000000000ull, 0x0008000000000000ull,
  0x7FE1CCF385EBC8A0ull /* 1e308 */, 0x01A56E1FC2F8F359ull /* 1e-300 */, 0x41E0000000000000ull /* 2^31 */,
  0xC3E0000000000000ull /* -2^63 */, 0x43E0000000000000ull /* 2^63 */, 0x43F0000000000000ull /* 2^64 */};
static const uint32_t special_floats[] = {
  0x00000000u, 0x80000000u, 0x7F800000u, 0xFF800000u, 0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0xFFA00123u,
  0x7FFFFFFFu, 0x00000001u, 0x80000001u, 0x007FFFFFu, 0x00800000u, 0x7F7FFFFFu, 0xFF7FFFFFu, 0x3F800000u,
  0xBF800000u, 0x3F000000u, 0xBF000000u, 0xBE800000u, 0x4F000000u, 0xDF000000u};

// A double near the grid, the rounding ties and the range limits of (W, I, S), or special.
static double pick_double(Rng& g, int W, int I, bool S) {
  int F = W - I;
  i128 tmin = rmin(W, S), tmax = rmax(W, S);
  int c = (int)g.below(20);
  if (c <= 3) {  // grid points
    i128 q;
    int k = (int)g.below(8);
    if (k == 0) q = tmin;
    else if (k == 1) q = tmax;
    else if (k == 2) q = tmin + (i128)g.range(-2, 2);
    else if (k == 3) q = tmax + (i128)g.range(-2, 2);
    else if (k == 4) q = (i128)g.range(-3, 3);
    else q = (i128)(int64_t)(g.next() >> (64 - (W < 62 ? W + 1 : 63))) - (S ? ((i128)1 << (W < 62 ? W : 62)) : 0);
    return ldexp((double)q, -F);
  } else if (c <= 7) {  // half points and their neighbours
    i128 q = (c == 4) ? tmax : (c == 5 ? tmin : (i128)(int64_t)(g.next() >> (64 - (W < 50 ? W : 50))) * ((g.next() & 1) ? -1 : 1));
    double h = ldexp((double)(2 * q + 1), -F - 1);
    int k = (int)g.below(3);
    if (k == 0) return h;
    return k == 1 ? nextafter(h, INFINITY) : nextafter(h, -INFINITY);
  } else if (c <= 12) {  // random doubles around the format's range
    int lo = -F - 60, hi = I + 10;
    if (lo < -1074) lo = -1074;
    if (hi > 1023) hi = 1023;
    if (lo > hi) lo = hi;
    int e = (int)g.range(lo, hi);
    double m = 1.0 + ldexp((double)(g.next() >> 12), -52);
    double v = ldexp(m, e);
    return (g.next() & 1) ? -v : v;
  } else if (c <= 14) {
    return bdouble(special_doubles[g.below(sizeof special_doubles / sizeof special_doubles[0])]);
  } else if (c == 15) {
    return bdouble(g.next());
  } else if (c <= 17) {  // near ±max / min
    double v = (g.next() & 1) ? ldexp((double)tmax, -F) : ldexp((double)tmin, -F);
    int steps = (int)g.range(-3, 3);
    for (int i = 0; i < steps; i++) v = nextafter(v, INFINITY);
    for (int i = 0; i > steps; i--) v = nextafter(v, -INFINITY);
    return v;
  } else {  // integers (for ap_int / ac_int) and small values
    int bits = (int)g.below((uint64_t)(I > 0 ? (I < 70 ? I + 2 : 70) : 3));
    double v = (double)(g.next() >> (64 - (bits > 0 ? bits : 1)));
    if (g.next() & 1) v += ldexp((double)(g.next() >> 40), -24);
    return (g.next() & 1) ? -v : v;
  }
}

static float pick_float(Rng& g, int W, int I, bool S) {
  int c = (int)g.below(8);
  if (c == 0) return bfloat(special_floats[g.below(sizeof special_floats / sizeof special_floats[0])]);
  if (c == 1) return bfloat((uint32_t)g.next());
  return (float)pick_double(g, W, I, S);  // rounding to float is fine: any float is a valid input
}

// ---------------------------------------------------------------------------------------------
#if PART != 4
// Xilinx ap_fixed / ap_int

constexpr ap_q_mode APQ[] = {AP_TRN, AP_TRN_ZERO, AP_RND, AP_RND_ZERO, AP_RND_INF, AP_RND_MIN_INF, AP_RND_CONV};
constexpr ap_o_mode APO[] = {AP_WRAP, AP_SAT, AP_SAT_ZERO, AP_SAT_SYM};

template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
static u128 raw(const ap_fixed_base<W, I, S, Q, O, N>& x) {
  if constexpr (W <= 64) return (u128)(uint64_t)x.V.get_pVal(0) & mask(W);
  else return (((u128)(uint64_t)x.V.get_pVal(1) << 64) | (u128)(uint64_t)x.V.get_pVal(0)) & mask(W);
}
template <int W, bool S>
static u128 raw(const ap_int_base<W, S>& x) {
  if constexpr (W <= 64) return (u128)(uint64_t)x.V.get_pVal(0) & mask(W);
  else return (((u128)(uint64_t)x.V.get_pVal(1) << 64) | (u128)(uint64_t)x.V.get_pVal(0)) & mask(W);
}
template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
static void print_result(const ap_fixed_base<W, I, S, Q, O, N>& r) {
  static_assert(W <= 128, "result too wide for the oracle format");
  fprintf(out, " %d %d %d", W, I, S ? 1 : 0);
  phex(raw(r));
}
template <int W, bool S>
static void print_result(const ap_int_base<W, S>& r) {
  fprintf(out, " %d %d %d", W, W, S ? 1 : 0);
  phex(raw(r));
}

#define APF(f) ap_fixed_base<(f).W, (f).I, (f).S, APQ[(f).Q], APO[(f).O], (f).N>
#define API(f) ap_int_base<(f).W, (f).S>

constexpr Fmt ap_src_pool(int i) { return gen_fmt(H(0, i, 11), 64, false, false, 1); }
constexpr Fmt ap_dst_pool(int i) { return gen_fmt(H(0, i, 12), 64, true, false, 1); }
constexpr Fmt ap_int_pool(int i) { return gen_fmt(H(0, i, 13), 64, false, false, 0); }
constexpr Fmt ap_q_pool(int i) { return gen_fmt(H(0, i, 14), 64, true, false, (i % 12 == 0) ? 2 : 1); }
constexpr Fmt ap_arith_pool(int i) { return gen_fmt(H(0, i, 15), 32, false, false, 0); }
constexpr Fmt ap_acc_pool(int i) { return gen_fmt(H(0, i, 17), 64, true, false, 0); }
constexpr Fmt ap_conv_pool(int i) {
  Fmt f = gen_fmt(H(0, i, 16), 64, false, false, (i % 8 == 0) ? 2 : 1);
  if (i % 10 == 5) f.I = 0;  // to_int() of I = 0 formats has its own quirk
  return f;
}

#if PART == 1
// Conversions: ap_fixed -> ap_fixed, ap_fixed -> ap_int, ap_int -> ap_fixed.
#define NCASE (1000 * SCALE)
#define NVAL 400
template <int K>
struct Spec {
  static constexpr uint64_t h = H(1, K, 0);
  static constexpr int kind = h % 20 < 15 ? 0 : (h % 20 < 18 ? 1 : 2);
  static constexpr Fmt src0 = kind == 2 ? ap_int_pool((int)(H(1, K, 1) % 40)) : ap_src_pool((int)(H(1, K, 1) % 110));
  // ap_fixed -> ap_int with I < 0 reads an uninitialized variable (to_ap_int_base): use I >= 0.
  static constexpr Fmt src = kind == 1 && src0.I < 0 ? Fmt{src0.W, -src0.I, src0.S, 0, 0, 0} : src0;
  static constexpr Fmt dst = kind == 1 ? ap_int_pool((int)(H(1, K, 2) % 40)) : ap_dst_pool((int)(H(1, K, 2) % 150));
};
template <int K>
static void run() {
  typedef Spec<K> P;
  constexpr Fmt s = P::src, d = P::dst;
  Rng g(H(1, K, 3));
  int sid = P::kind == 2 ? emit_int(s, false) : emit_fixed(s, false);
  int did = P::kind == 1 ? emit_int(d, false) : emit_fixed(d, false);
  int dshift = (s.W - (P::kind == 2 ? s.W : s.I)) - (d.W - (P::kind == 1 ? d.W : d.I));
  for (int v = 0; v < NVAL; v++) {
    uint64_t bits = pick_source(g, s.W, s.S, dshift, d.W, d.S);
    fprintf(out, "C %d %d", sid, did);
    phex(bits);
    if constexpr (P::kind == 0) {
      APF(s) x; x.setBits(bits);
      APF(d) y = x;
      phex(raw(y));
    } else if constexpr (P::kind == 1) {
      APF(s) x; x.setBits(bits);
      API(d) y(x);
      phex(raw(y));
    } else {
      API(s) x((ap_ulong)bits);
      APF(d) y(x);
      phex(raw(y));
    }
    fputc('\n', out);
  }
}
#endif

#if PART == 2
// From double / float into ap_fixed and ap_int; to_int, to_int64, to_double, to_float.
#define NCASE (700 * SCALE)
#define NVAL 600
template <int K>
struct Spec {
  static constexpr uint64_t h = H(2, K, 0);
  static constexpr int kind = h % 20 < 11 ? 0 : (h % 20 < 14 ? 1 : (h % 20 < 18 ? 2 : 3));  // 0 Q fixed, 1 Q int, 2 to fixed, 3 to int
  static constexpr Fmt f = kind == 0 ? ap_q_pool((int)(H(2, K, 1) % 250))
                         : kind == 2 ? ap_conv_pool((int)(H(2, K, 1) % 120))
                         : ap_int_pool((int)(H(2, K, 1) % 40));
};
template <int K>
static void run() {
  typedef Spec<K> P;
  constexpr Fmt f = P::f;
  Rng g(H(2, K, 3));
  if constexpr (P::kind <= 1) {
    int id = P::kind == 0 ? emit_fixed(f, false) : emit_int(f, false);
    for (int v = 0; v < NVAL; v++) {
      if (v % 4 != 3) {
        double x = pick_double(g, f.W, P::kind == 0 ? f.I : f.W, f.S);
        fprintf(out, "Q %d %016llx", id, (unsigned long long)dbits(x));
        if constexpr (P::kind == 0) { APF(f) y(x); phex(raw(y)); }
        else { API(f) y(x); phex(raw(y)); }
      } else {
        float x = pick_float(g, f.W, P::kind == 0 ? f.I : f.W, f.S);
        fprintf(out, "G %d %08x", id, (unsigned)fbits(x));
        if constexpr (P::kind == 0) { APF(f) y(x); phex(raw(y)); }
        else { API(f) y(x); phex(raw(y)); }
      }
      fputc('\n', out);
    }
  } else {
    int id = P::kind == 2 ? emit_fixed(f, false) : emit_int(f, false);
    for (int v = 0; v < NVAL / 2; v++) {
      uint64_t bits = pick_raw(g, f.W, f.S);
      if constexpr (P::kind == 2) {
        APF(f) x; x.setBits(bits);
        fprintf(out, "R %d", id); phex(bits);
        fprintf(out, " %016llx %08x\n", (unsigned long long)dbits(x.to_double()), (unsigned)fbits(x.to_float()));
        // to_int reads an uninitialized variable when I < 0 (ap_fixed_base.h to_ap_int_base): skip.
        if (f.I >= 0) {
          fprintf(out, "T %d", id); phex(bits);
          fprintf(out, " %08x %016llx\n", (unsigned)x.to_int(), (unsigned long long)x.to_int64());
        }
      } else {
        API(f) x((ap_ulong)bits);
        fprintf(out, "R %d", id); phex(bits);
        fprintf(out, " %016llx %08x\n", (unsigned long long)dbits(x.to_double()), (unsigned)fbits(x.to_float()));
        fprintf(out, "T %d", id); phex(bits);
        fprintf(out, " %08x %016llx\n", (unsigned)x.to_int(), (unsigned long long)x.to_int64());
      }
    }
  }
}
#endif

#if PART == 3
// Arithmetic: a*b, a+b, a-b, a/b with operands up to 32 bits.
#define NCASE (160 * SCALE)
#define NVAL 1600
template <int K>
struct Spec {
  static constexpr uint64_t h = H(3, K, 0);
  static constexpr bool ints = h % 10 == 0;
  static constexpr Fmt a = ints ? gen_fmt(H(3, K, 1), 32, false, false, 0) : ap_arith_pool((int)(H(3, K, 1) % 60));
  static constexpr Fmt b = ints ? gen_fmt(H(3, K, 2), 32, false, false, 0) : ap_arith_pool((int)(H(3, K, 2) % 60));
  static constexpr Fmt t = ap_acc_pool((int)(H(3, K, 4) % 40));
};
// Prints the arithmetic record, then the result converted to t (an "X" record).
template <class R, int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
static void print_and_convert(const R& r, const ap_fixed_base<W, I, S, Q, O, N>& /*tag*/, char op, int aid, int bid, int tid,
                              uint64_t xa, uint64_t xb) {
  print_result(r);
  fputc('\n', out);
  ap_fixed_base<W, I, S, Q, O, N> z = r;
  fprintf(out, "X %c %d %d %d", op, aid, bid, tid);
  phex(xa); phex(xb); phex(raw(z));
}
template <int K>
static void run() {
  typedef Spec<K> P;
  constexpr Fmt a = P::a, b = P::b;
  Rng g(H(3, K, 3));
  constexpr Fmt t = P::t;
  int aid = P::ints ? emit_int(a, false) : emit_fixed(a, false);
  int bid = P::ints ? emit_int(b, false) : emit_fixed(b, false);
  int tid = emit_fixed(t, false);
  const APF(t) tag{};
  for (int v = 0; v < NVAL; v++) {
    uint64_t xa = pick_raw(g, a.W, a.S), xb = pick_raw(g, b.W, b.S);
    int op = v % 4;
    char c = "MAUV"[op];
    if (op == 3 && xb == 0) xb = 1;
    fprintf(out, "%c %d %d", c, aid, bid);
    phex(xa); phex(xb);
    if constexpr (P::ints) {
      API(a) x((ap_ulong)xa); API(b) y((ap_ulong)xb);
      if (op == 0) print_and_convert(x * y, tag, c, aid, bid, tid, xa, xb);
      else if (op == 1) print_and_convert(x + y, tag, c, aid, bid, tid, xa, xb);
      else if (op == 2) print_and_convert(x - y, tag, c, aid, bid, tid, xa, xb);
      else print_and_convert(x / y, tag, c, aid, bid, tid, xa, xb);
    } else {
      APF(a) x; x.setBits(xa); APF(b) y; y.setBits(xb);
      if (op == 0) print_and_convert(x * y, tag, c, aid, bid, tid, xa, xb);
      else if (op == 1) print_and_convert(x + y, tag, c, aid, bid, tid, xa, xb);
      else if (op == 2) print_and_convert(x - y, tag, c, aid, bid, tid, xa, xb);
      else print_and_convert(x / y, tag, c, aid, bid, tid, xa, xb);
    }
    fputc('\n', out);
  }
}
#endif

#else  // PART == 4
// ---------------------------------------------------------------------------------------------
// Mentor ac_fixed / ac_int: conversions, from double/float, to_int/to_double, arithmetic.

constexpr ac_q_mode ACQ[] = {AC_TRN, AC_TRN_ZERO, AC_RND, AC_RND_ZERO, AC_RND_INF, AC_RND_MIN_INF, AC_RND_CONV, AC_RND_CONV_ODD};
constexpr ac_o_mode ACO[] = {AC_WRAP, AC_SAT, AC_SAT_ZERO, AC_SAT_SYM};
#define ACF(f) ac_fixed<(f).W, (f).I, (f).S, ACQ[(f).Q], ACO[(f).O]>
#define ACP(f) ac_fixed<(f).W, (f).I, (f).S>
#define ACI(f) ac_int<(f).W, (f).S>

template <int W, int I, bool S, ac_q_mode Q, ac_o_mode O>
static u128 raw(const ac_fixed<W, I, S, Q, O>& x) {
  if constexpr (W <= 64) return (u128)x.template slc<W>(0).to_uint64() & mask(W);
  else return (((u128)x.template slc<W - 64>(64).to_uint64() << 64) | (u128)x.template slc<64>(0).to_uint64()) & mask(W);
}
template <int W, bool S>
static u128 raw(const ac_int<W, S>& x) { return (u128)x.to_uint64() & mask(W); }
template <int W, int I, bool S, ac_q_mode Q, ac_o_mode O>
static void set_raw(ac_fixed<W, I, S, Q, O>& x, uint64_t bits) { x.set_slc(0, ac_int<W, false>((Ulong)bits)); }
template <int W, int I, bool S, ac_q_mode Q, ac_o_mode O>
static void print_result(const ac_fixed<W, I, S, Q, O>& r) {
  static_assert(W <= 128, "result too wide for the oracle format");
  fprintf(out, " %d %d %d", W, I, S ? 1 : 0);
  phex(raw(r));
}

constexpr Fmt ac_src_pool(int i) { return gen_fmt(H(0, i, 21), 64, false, true, 1); }
constexpr Fmt ac_dst_pool(int i) { return gen_fmt(H(0, i, 22), 64, true, true, 1); }
constexpr Fmt ac_int_pool(int i) { return gen_fmt(H(0, i, 23), 64, false, true, 0); }
constexpr Fmt ac_q_pool(int i) { return gen_fmt(H(0, i, 24), 64, true, true, (i % 12 == 0) ? 2 : 1); }
constexpr Fmt ac_arith_pool(int i) { return gen_fmt(H(0, i, 25), 32, false, true, 0); }
constexpr Fmt ac_acc_pool(int i) { return gen_fmt(H(0, i, 27), 64, true, true, 0); }
constexpr Fmt ac_conv_pool(int i) {
  Fmt f = gen_fmt(H(0, i, 26), 64, false, true, (i % 8 == 0) ? 2 : 1);
  if (i % 10 == 5) f.I = 0;
  return f;
}

#define NCASE (600 * SCALE)
#define NVAL 500
template <int K>
struct Spec {
  static constexpr uint64_t h = H(4, K, 0);
  // 0 fixed->fixed, 1 fixed->int (to_ac_int), 2 int->fixed, 3 Q fixed, 4 Q int, 5 to fixed, 6 to int, 7 arith
  static constexpr int kind = (int)(h % 100) < 34 ? 0 : (int)(h % 100) < 40 ? 1 : (int)(h % 100) < 44 ? 2
                            : (int)(h % 100) < 66 ? 3 : (int)(h % 100) < 72 ? 4 : (int)(h % 100) < 80 ? 5
                            : (int)(h % 100) < 84 ? 6 : 7;
  static constexpr Fmt a = kind == 0 || kind == 1 ? ac_src_pool((int)(H(4, K, 1) % 100))
                         : kind == 2 || kind == 4 || kind == 6 ? ac_int_pool((int)(H(4, K, 1) % 40))
                         : kind == 3 ? ac_q_pool((int)(H(4, K, 1) % 200))
                         : kind == 5 ? ac_conv_pool((int)(H(4, K, 1) % 100))
                         : ac_arith_pool((int)(H(4, K, 1) % 40));
  static constexpr Fmt b = kind == 0 || kind == 2 ? ac_dst_pool((int)(H(4, K, 2) % 140))
                         : kind == 1 ? ac_int_pool((int)(H(4, K, 2) % 40))
                         : ac_arith_pool((int)(H(4, K, 2) % 40));
};
template <class R, int W, int I, bool S, ac_q_mode Q, ac_o_mode O>
static void print_and_convert(const R& r, const ac_fixed<W, I, S, Q, O>& /*tag*/, char op, int aid, int bid, int tid,
                              uint64_t xa, uint64_t xb) {
  print_result(r);
  fputc('\n', out);
  ac_fixed<W, I, S, Q, O> z = r;
  fprintf(out, "X %c %d %d %d", op, aid, bid, tid);
  phex(xa); phex(xb); phex(raw(z));
}
template <int K>
static void run() {
  typedef Spec<K> P;
  constexpr Fmt a = P::a, b = P::b;
  constexpr int kind = P::kind;
  Rng g(H(4, K, 3));
  if constexpr (kind <= 2) {
    // ac_fixed.h reads outside the source's words (negative template bit index in
    // iv_equal_ones_from / iv_equal_zeros_from) when the target has more than 32*N more fractional
    // bits than the source, N being the target's word count: undefined behaviour, skipped.
    constexpr int srcF = kind == 2 ? 0 : a.W - a.I, dstF = kind == 1 ? 0 : b.W - b.I;
    constexpr int dstWords = (b.W + 31 + (b.S ? 0 : 1)) / 32;
    if constexpr (srcF - dstF + 32 * dstWords < 0) return;
    int sid = kind == 2 ? emit_int(a, true) : emit_fixed(Fmt{a.W, a.I, a.S, 0, 0, 0}, true);
    int did = kind == 1 ? emit_int(b, true) : emit_fixed(b, true);
    int dshift = (kind == 2 ? 0 : a.W - a.I) - (kind == 1 ? 0 : b.W - b.I);
    for (int v = 0; v < NVAL; v++) {
      uint64_t bits = pick_source(g, a.W, a.S, dshift, b.W, b.S);
      fprintf(out, "C %d %d", sid, did);
      phex(bits);
      if constexpr (kind == 0) { ACP(a) x; set_raw(x, bits); ACF(b) y = x; phex(raw(y)); }
      else if constexpr (kind == 1) { ACP(a) x; set_raw(x, bits); ACI(b) y = x.to_ac_int(); phex(raw(y)); }
      else { ACI(a) x((Ulong)bits); ACF(b) y = x; phex(raw(y)); }
      fputc('\n', out);
    }
  } else if constexpr (kind == 3 || kind == 4) {
    int id = kind == 3 ? emit_fixed(a, true) : emit_int(a, true);
    for (int v = 0; v < NVAL; v++) {
      if (v % 4 != 3) {
        double x = pick_double(g, a.W, kind == 3 ? a.I : a.W, a.S);
        fprintf(out, "Q %d %016llx", id, (unsigned long long)dbits(x));
        if constexpr (kind == 3) { ACF(a) y(x); phex(raw(y)); }
        else { ACI(a) y(x); phex(raw(y)); }
      } else {
        float x = pick_float(g, a.W, kind == 3 ? a.I : a.W, a.S);
        fprintf(out, "G %d %08x", id, (unsigned)fbits(x));
        if constexpr (kind == 3) { ACF(a) y(x); phex(raw(y)); }
        else { ACI(a) y(x); phex(raw(y)); }
      }
      fputc('\n', out);
    }
  } else if constexpr (kind == 5 || kind == 6) {
    int id = kind == 5 ? emit_fixed(Fmt{a.W, a.I, a.S, 0, 0, 0}, true) : emit_int(a, true);
    for (int v = 0; v < NVAL / 2; v++) {
      uint64_t bits = pick_raw(g, a.W, a.S);
      double d;
      int i32 = 0;
      long long i64 = 0;
      // to_int() needs the integer part as an ac_int of at most 64 bits (it does not compile beyond).
      constexpr bool ints = kind == 6 || a.I <= 64;
      if constexpr (kind == 5) {
        ACP(a) x; set_raw(x, bits); d = x.to_double();
        if constexpr (ints) { i32 = x.to_int(); i64 = x.to_int64(); }
      } else { ACI(a) x((Ulong)bits); d = x.to_double(); i32 = x.to_int(); i64 = x.to_int64(); }
      fprintf(out, "R %d", id); phex(bits);
      fprintf(out, " %016llx %08x\n", (unsigned long long)dbits(d), (unsigned)fbits((float)d));
      if (ints) {
        fprintf(out, "T %d", id); phex(bits);
        fprintf(out, " %08x %016llx\n", (unsigned)i32, (unsigned long long)i64);
      }
    }
  } else {
    constexpr Fmt t = ac_acc_pool((int)(H(4, K, 4) % 40));
    int aid = emit_fixed(Fmt{a.W, a.I, a.S, 0, 0, 0}, true), bid = emit_fixed(Fmt{b.W, b.I, b.S, 0, 0, 0}, true);
    int tid = emit_fixed(t, true);
    const ACF(t) tag{};
    for (int v = 0; v < NVAL; v++) {
      uint64_t xa = pick_raw(g, a.W, a.S), xb = pick_raw(g, b.W, b.S);
      int op = v % 4;
      char c = "MAUV"[op];
      if (op == 3 && xb == 0) xb = 1;
      fprintf(out, "%c %d %d", c, aid, bid);
      phex(xa); phex(xb);
      ACP(a) x; set_raw(x, xa); ACP(b) y; set_raw(y, xb);
      if (op == 0) print_and_convert(x * y, tag, c, aid, bid, tid, xa, xb);
      else if (op == 1) print_and_convert(x + y, tag, c, aid, bid, tid, xa, xb);
      else if (op == 2) print_and_convert(x - y, tag, c, aid, bid, tid, xa, xb);
      else print_and_convert(x / y, tag, c, aid, bid, tid, xa, xb);
      fputc('\n', out);
    }
  }
}
#endif

template <int... K>
static void run_all(std::integer_sequence<int, K...>) { (run<K>(), ...); }

int main(int argc, char** argv) {
  if (argc > 1) {
    out = fopen(argv[1], "w");
    if (!out) { perror(argv[1]); return 1; }
  }
  static char buffer[1 << 20];
  setvbuf(out, buffer, _IOFBF, sizeof buffer);
  next_id = PART * 10000000;
  fprintf(out, "# part %d seed %d\n", PART, SEED);
  run_all(std::make_integer_sequence<int, NCASE>{});
  if (fclose(out) != 0) { perror("write"); return 1; }
  return 0;
}
