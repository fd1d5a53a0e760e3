/**
 * "Which line first used this EMR id?" for up to millions of ids. A `Map<string, number>`
 * spends most of a row's validation budget on a 1,000,000-row file (rehashing a huge ordered
 * table, and one heap entry per id); this open-addressing table keeps hashes and lines in typed
 * arrays and compares the id text only on a hash match. Isomorphic.
 *
 * Ids are copied into joined text blocks: ids cut from a big CSV chunk by split()/slice() are
 * V8 "sliced strings" that would otherwise keep the whole chunk, then the whole file, alive;
 * and one block string per 4096 ids costs far less memory and GC than one string per id.
 */

/** FNV-1a over UTF-16 code units, 32-bit. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const BLOCK_BITS = 12;
const BLOCK = 1 << BLOCK_BITS;

export class EmrIdIndex {
  private capacity = 1 << 12;
  private mask = this.capacity - 1;
  /** Open-addressing slots: id hash, first line, entry number + 1 (0 = empty). */
  private slotHash = new Int32Array(this.capacity);
  private slotLine = new Int32Array(this.capacity);
  private slotEntry = new Int32Array(this.capacity);
  /** Entry → offset of its text inside its block. */
  private entryOffset = new Int32Array(BLOCK);
  private entryLength = new Int32Array(BLOCK);
  /** Ids are stored as text blocks of BLOCK ids joined together (one flat string per block). */
  private blocks: string[] = [];
  private pending: string[] = [];
  private pendingChars = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /**
   * Records `id` as seen on `line` unless already known. Returns the line of the first
   * occurrence when `id` was seen before, else -1.
   */
  firstLineOrAdd(id: string, line: number): number {
    const h = fnv1a32(id) | 0;
    let i = h & this.mask;
    for (;;) {
      const e = this.slotEntry[i]!;
      if (e === 0) break;
      if (this.slotHash[i] === h && this.same(e - 1, id)) return this.slotLine[i]!;
      i = (i + 1) & this.mask;
    }
    const entry = this.count++;
    this.store(entry, id);
    this.slotEntry[i] = entry + 1;
    this.slotHash[i] = h;
    this.slotLine[i] = line;
    if (this.count * 2 > this.capacity) this.grow();
    return -1;
  }

  private same(entry: number, id: string): boolean {
    if (this.entryLength[entry] !== id.length) return false;
    const block = entry >>> BLOCK_BITS;
    if (block === this.blocks.length) return this.pending[entry & (BLOCK - 1)] === id;
    return this.blocks[block]!.startsWith(id, this.entryOffset[entry]);
  }

  private store(entry: number, id: string): void {
    if (entry >= this.entryOffset.length) {
      const offsets = new Int32Array(this.entryOffset.length * 2);
      offsets.set(this.entryOffset);
      this.entryOffset = offsets;
      const lengths = new Int32Array(this.entryLength.length * 2);
      lengths.set(this.entryLength);
      this.entryLength = lengths;
    }
    this.entryOffset[entry] = this.pendingChars;
    this.entryLength[entry] = id.length;
    this.pending.push(id);
    this.pendingChars += id.length;
    if (this.pending.length === BLOCK) {
      // join() writes one new flat string: the ids no longer pin the CSV chunks they came from.
      this.blocks.push(this.pending.join(''));
      this.pending = [];
      this.pendingChars = 0;
    }
  }

  private grow(): void {
    const oldHash = this.slotHash;
    const oldLine = this.slotLine;
    const oldEntry = this.slotEntry;
    this.capacity *= 2;
    this.mask = this.capacity - 1;
    this.slotHash = new Int32Array(this.capacity);
    this.slotLine = new Int32Array(this.capacity);
    this.slotEntry = new Int32Array(this.capacity);
    for (let j = 0; j < oldEntry.length; j++) {
      const e = oldEntry[j]!;
      if (e === 0) continue;
      const h = oldHash[j]!;
      let i = h & this.mask;
      while (this.slotEntry[i] !== 0) i = (i + 1) & this.mask;
      this.slotEntry[i] = e;
      this.slotHash[i] = h;
      this.slotLine[i] = oldLine[j]!;
    }
  }
}
