const t0 = process.memoryUsage();
const mods = process.argv.slice(2);
for (const m of mods) await import(m);
(globalThis as any).gc?.();
const m = process.memoryUsage();
console.log(
  mods.join(','),
  'rss',
  Math.round(m.rss / 1048576),
  'heapUsed',
  Math.round(m.heapUsed / 1048576),
  'Δrss',
  Math.round((m.rss - t0.rss) / 1048576),
);
