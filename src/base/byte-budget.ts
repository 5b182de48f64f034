/**
 * A number of bytes shared by whatever holds data in memory for a while, so that the
 * sum stays bounded however much arrives at once: `take` says no once it would pass the
 * capacity, and the holder then does without (reads from the store instead).
 */
export class ByteBudget {
  #used = 0;

  constructor(readonly capacity: number) {}

  get used(): number {
    return this.#used;
  }

  /** Takes `bytes` if they fit; false (and nothing taken) if not. */
  take(bytes: number): boolean {
    if (bytes < 0 || this.#used + bytes > this.capacity) return false;
    this.#used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}
