/**
 * Seeded random numbers shared by every sampler in eoslab (theorem checks, synthetic regression
 * data): sfc32 (Chris Doty-Humphrey's small fast counting generator) seeded from (seed, stream)
 * through MurmurHash3's finaliser, so any stream (sample, data set) is reproducible on its own and
 * results never depend on worker count or order.
 */

/** MurmurHash3's 32-bit finaliser: a bijective mixer of 32-bit integers. */
export function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** sfc32, 32-bit outputs. */
export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;
  private spare: number | undefined;

  constructor(seed: number, stream: number) {
    this.a = fmix32(seed ^ 0x9e3779b9);
    this.b = fmix32(stream + 0x7f4a7c15);
    this.c = fmix32(fmix32(seed) ^ fmix32(stream ^ 0x632be5ab));
    for (let i = 0; i < 15; i++) this.next();
  }

  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    return ((this.next() >>> 5) * 67108864 + (this.next() >>> 6)) / 9007199254740992;
  }

  /** Standard normal by the Box–Muller transform (pairs, the second kept for the next call). */
  gaussian(): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return z;
    }
    let u1 = this.uniform();
    while (u1 === 0) u1 = this.uniform();
    const u2 = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    this.spare = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  }
}
