/**
 * Every store that can hold customer data registers its reset here. Locking the vault calls
 * `resetAllStores()`, so nothing read while unlocked survives in the renderer's memory.
 */
const resets = new Set<() => void>();

export function registerReset(reset: () => void): void {
  resets.add(reset);
}

export function resetAllStores(): void {
  for (const reset of resets) reset();
}
