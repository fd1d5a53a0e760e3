/**
 * Deterministic randomness for the seed: the same input string always yields the same
 * sequence, so the sandbox serves identical data on every start (tests and demos can name
 * records). Seeding per patient (not one global stream) keeps one patient's records stable
 * even if another patient's generation changes.
 */
export interface Prng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Pick by weight: `[[value, weight], ...]`. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
}

/** FNV-1a 32-bit: small, fast, good enough to spread seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * mulberry32: a 32-bit state generator, plenty for synthetic data. A class rather than a
 * closure bundle: thousands are created at startup, and per-instance closures were the
 * largest single cost of the seed.
 */
class Mulberry32 implements Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [value, w] of items) {
      r -= w;
      if (r < 0) return value;
    }
    const last = items[items.length - 1];
    if (last === undefined) throw new Error('weighted pick from an empty list');
    return last[0];
  }
}

export function createPrng(seed: string | number): Prng {
  return new Mulberry32(typeof seed === 'number' ? seed : hashString(seed));
}

/**
 * A stable UUID-shaped id (version nibble 5, RFC 4122 variant) derived from a name. Built from
 * the seeded generator rather than SHA-1: thousands are made at startup and only stability
 * and spread matter here, not collision resistance against an adversary.
 */
export function uuidFromName(name: string): string {
  const prng = createPrng(name);
  let hex = '';
  for (let i = 0; i < 4; i++) hex += Math.floor(prng.next() * 4294967296).toString(16).padStart(8, '0');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
